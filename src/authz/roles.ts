import { isPermission, rolePermissions } from '../identity/core/permissions.js';
import { PolicyError, type RoleDefinition } from './model.js';

const roleNamePattern = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Built-in roles as definitions: ADMIN ⊃ DEVELOPER ⊃ VIEWER. */
const builtInDefinitions: readonly RoleDefinition[] = [
  { name: 'ADMIN', inherits: ['DEVELOPER'], permissions: rolePermissions.ADMIN },
  { name: 'DEVELOPER', inherits: ['VIEWER'], permissions: rolePermissions.DEVELOPER },
  { name: 'VIEWER', inherits: [], permissions: rolePermissions.VIEWER },
];

export interface RoleGraph {
  /** Each role's parents (the roles it inherits), validated. */
  parents: ReadonlyMap<string, readonly string[]>;
  /** Each role's own permissions (`*:*` normalized to `*`). */
  own: ReadonlyMap<string, readonly string[]>;
}

function normalizePermission(permission: string): string {
  return permission === '*:*' ? '*' : permission;
}

/**
 * Merges the built-in roles with the policy's, validates names, permissions and
 * parents, and refuses inheritance cycles with the cycle in the message.
 */
export function buildRoleGraph(defs: readonly RoleDefinition[]): RoleGraph {
  const parents = new Map<string, string[]>();
  const own = new Map<string, string[]>();
  for (const def of builtInDefinitions) {
    parents.set(def.name, [...(def.inherits ?? [])]);
    own.set(def.name, (def.permissions ?? []).map(normalizePermission));
  }
  const seen = new Set<string>();
  for (const def of defs) {
    if (!roleNamePattern.test(def.name))
      throw new PolicyError(
        'invalid_permission',
        `role name ${JSON.stringify(def.name)} is invalid`,
      );
    if (seen.has(def.name))
      throw new PolicyError('duplicate_role', `role ${def.name} is defined twice`);
    seen.add(def.name);
    for (const p of def.permissions ?? [])
      if (!isPermission(p))
        throw new PolicyError(
          'invalid_permission',
          `role ${def.name}: ${JSON.stringify(p)} is not a permission (resource:action)`,
        );
    parents.set(def.name, [...(parents.get(def.name) ?? []), ...(def.inherits ?? [])]);
    own.set(def.name, [
      ...(own.get(def.name) ?? []),
      ...(def.permissions ?? []).map(normalizePermission),
    ]);
  }
  for (const [name, list] of parents)
    for (const parent of list)
      if (!parents.has(parent))
        throw new PolicyError('unknown_role', `role ${name} inherits unknown role ${parent}`);
  refuseCycles(parents);
  return { parents, own };
}

function refuseCycles(parents: ReadonlyMap<string, readonly string[]>): void {
  const done = new Set<string>();
  const onPath = new Map<string, number>();
  const path: string[] = [];
  const visit = (role: string): void => {
    if (done.has(role)) return;
    const at = onPath.get(role);
    if (at !== undefined) {
      const cycle = [...path.slice(at), role];
      throw new PolicyError('role_cycle', `role inheritance cycle: ${cycle.join(' → ')}`);
    }
    onPath.set(role, path.length);
    path.push(role);
    for (const parent of parents.get(role) ?? []) visit(parent);
    path.pop();
    onPath.delete(role);
    done.add(role);
  };
  for (const role of [...parents.keys()].sort()) visit(role);
}

/** Each role's closure: itself and every role it inherits, directly or not. */
export function roleClosures(graph: RoleGraph): Map<string, ReadonlySet<string>> {
  const closures = new Map<string, ReadonlySet<string>>();
  const closureOf = (role: string): ReadonlySet<string> => {
    const known = closures.get(role);
    if (known) return known;
    const set = new Set<string>([role]);
    for (const parent of graph.parents.get(role) ?? [])
      for (const r of closureOf(parent)) set.add(r);
    closures.set(role, set);
    return set;
  };
  for (const role of graph.parents.keys()) closureOf(role);
  return closures;
}
