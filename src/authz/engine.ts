import { coversAction } from '../identity/core/permissions.js';
import { type ConditionCheck, compileConditions } from './conditions.js';
import {
  type AuthzContext,
  type AuthzPrincipal,
  type AuthzResource,
  type ConditionKind,
  type Decision,
  type Environment,
  environments,
  type Grant,
  namePattern,
  type Policy,
  PolicyError,
} from './model.js';
import { buildRoleGraph, roleClosures } from './roles.js';

interface CompiledGrant {
  readonly id: string;
  /** Position in the policy: among several matching grants the first one is reported. */
  readonly index: number;
  readonly principalId: string | undefined;
  readonly role: string | undefined;
  readonly anyAction: boolean;
  readonly actions: ReadonlySet<string>;
  /** The action of a one-action grant (most grants): compared directly, no set to visit. */
  readonly onlyAction: string | undefined;
  readonly deny: boolean;
  readonly check: ConditionCheck | null;
  /** The decisions this grant makes, built once. */
  readonly allowed: Decision;
  readonly denied: Decision;
}

interface RolePermissions {
  readonly byType: Map<string, Map<string, Decision>>;
  readonly anyType: Map<string, Decision>;
  all: Decision | undefined;
}

/** The grants of one subject on one resource type. */
interface SubjectIndex {
  readonly exact: Map<string, CompiledGrant[]>;
  readonly prefixes: Map<string, CompiledGrant[]>;
  /** The distinct prefix lengths, so a lookup probes only lengths some grant uses. */
  readonly prefixLengths: number[];
  /**
   * With few distinct prefixes, the prefixes and their grants as a list: testing each
   * with `startsWith` allocates nothing, where a map lookup needs `id.slice` per length
   * (a new string to hash, and garbage, on every decision). Built after the maps.
   */
  prefixList: { prefix: string; grants: CompiledGrant[] }[] | undefined;
}

/** Up to this many distinct prefixes, a subject index is scanned rather than probed. */
const maxScannedPrefixes = 16;

/** The grants on one resource type, by subject: a decision looks at its subjects only. */
interface TypeIndex {
  readonly principals: Map<string, SubjectIndex>;
  readonly roles: Map<string, SubjectIndex>;
  /**
   * Per role, the grants of every role in its closure merged into one index, so a
   * decision probes one index per role held. Left out when merging would hold more than
   * {@link CompileOptions.maxMergedGrants} grant references (very wide inheritance); the
   * decision then walks the closure.
   */
  effective: Map<string, SubjectIndex> | undefined;
}

export interface CompileOptions {
  /** The most grant references the per-role merged indexes may hold (default 5,000,000). */
  maxMergedGrants?: number;
}

/** A compiled policy: `decide` is a handful of map lookups, whatever the policy's size. */
export interface AuthzEngine {
  /** Never throws: any error denies with reason `error`. Decisions are frozen and may be shared. */
  decide(
    principal: AuthzPrincipal,
    action: string,
    resource: AuthzResource,
    context?: AuthzContext,
  ): Decision;
  /** The roles known to the policy, built-in ones included. */
  readonly roles: readonly string[];
  /** True when one of `roles` is `role` or inherits it, directly or not. */
  holdsRole(roles: readonly string[], role: string): boolean;
  /** The permissions `roles` hold, their own and inherited (unknown roles hold none). */
  permissionsOf(roles: readonly string[]): readonly string[];
}

const errorDecision: Decision = Object.freeze({ allowed: false, reason: 'error', matched: null });
const noGrant: Decision = Object.freeze({ allowed: false, reason: 'no_grant', matched: null });
const envDenied: Decision = Object.freeze({
  allowed: false,
  reason: 'environment_not_allowed',
  matched: null,
});
const scopeDenied: Decision = Object.freeze({
  allowed: false,
  reason: 'scope_not_granted',
  matched: null,
});

/** No context given: one shared object rather than a new `{}` per decision. */
const emptyContext: AuthzContext = Object.freeze({});

function clockOf(context: AuthzContext): number {
  return context.now === undefined
    ? Date.now()
    : typeof context.now === 'number'
      ? context.now
      : context.now.getTime();
}

function compileGrant(
  grant: Grant,
  index: number,
  knownRoles: { has(name: string): boolean },
): CompiledGrant {
  const where = `grant ${JSON.stringify(grant.id)}`;
  if (typeof grant.id !== 'string' || grant.id.length === 0)
    throw new PolicyError('invalid_grant', `grant #${index} has no id`);
  if (grant.resourceType !== '*' && !namePattern.test(grant.resourceType))
    throw new PolicyError('invalid_grant', `${where}: invalid resourceType`);
  if (typeof grant.resourceId !== 'string' || grant.resourceId.length === 0)
    throw new PolicyError('invalid_grant', `${where}: resourceId is empty`);
  if (
    grant.resourceId.indexOf('*') !== -1 &&
    grant.resourceId.indexOf('*') !== grant.resourceId.length - 1
  )
    throw new PolicyError('invalid_grant', `${where}: * may only end a resourceId pattern`);
  if (grant.actions.length === 0) throw new PolicyError('invalid_grant', `${where}: no actions`);
  for (const a of grant.actions)
    if (a !== '*' && !namePattern.test(a))
      throw new PolicyError('invalid_grant', `${where}: invalid action ${JSON.stringify(a)}`);
  if (grant.effect !== 'allow' && grant.effect !== 'deny')
    throw new PolicyError('invalid_grant', `${where}: effect must be allow or deny`);
  let principalId: string | undefined;
  let role: string | undefined;
  if (grant.subject.kind === 'principal') {
    if (typeof grant.subject.id !== 'string' || grant.subject.id.length === 0)
      throw new PolicyError('invalid_grant', `${where}: the subject principal has no id`);
    principalId = grant.subject.id;
  } else if (grant.subject.kind === 'role') {
    if (!knownRoles.has(grant.subject.name))
      throw new PolicyError('unknown_role', `${where}: unknown role ${grant.subject.name}`);
    role = grant.subject.name;
  } else throw new PolicyError('invalid_grant', `${where}: unknown subject kind`);
  return {
    id: grant.id,
    index,
    principalId,
    role,
    anyAction: grant.actions.includes('*'),
    actions: new Set(grant.actions),
    onlyAction: grant.actions.length === 1 ? grant.actions[0] : undefined,
    deny: grant.effect === 'deny',
    check: compileConditions(grant.conditions, where),
    allowed: Object.freeze({
      allowed: true,
      reason: `allowed_by_grant:${grant.id}` as const,
      matched: Object.freeze({ grantId: grant.id }),
    }),
    denied: Object.freeze({
      allowed: false,
      reason: `denied_by:${grant.id}` as const,
      matched: Object.freeze({ grantId: grant.id }),
    }),
  };
}

function push<K>(map: Map<K, CompiledGrant[]>, key: K, grant: CompiledGrant): void {
  const list = map.get(key);
  if (list) list.push(grant);
  else map.set(key, [grant]);
}

/**
 * Validates and compiles a policy: role closures, a permission set per role (its own and
 * inherited permissions), the environment matrix expanded to every role that inherits a
 * listed role, and grants indexed by resource type, then subject (a principal, or each
 * role with the grants of the roles it inherits merged in), then exact id or id prefix.
 * Throws {@link PolicyError} on an invalid policy (a cycle, an unknown role, …).
 *
 * @example
 * const engine = compile({ roles: [{ name: 'auditor', inherits: ['VIEWER'] }] });
 * engine.decide({ kind: 'user', id: 'u1', roles: ['auditor'] }, 'read', { type: 'audit', id: 'x' });
 * // → { allowed: true, reason: 'allowed_by_role:auditor', matched: { role: 'auditor', permission: '*:read' } }
 */
export function compile(policy: Policy, options: CompileOptions = {}): AuthzEngine {
  const graph = buildRoleGraph(policy.roles ?? []);
  const closures = roleClosures(graph);
  // Per role, its own and inherited permissions as decisions ready to return: by
  // resource type then action (`*` for `type:*`), by action for `*:action`, and `*`.
  const rolePermissions = new Map<string, RolePermissions>();
  for (const [role, closure] of closures) {
    const entry: RolePermissions = { byType: new Map(), anyType: new Map(), all: undefined };
    const decision = (permission: string): Decision =>
      Object.freeze({
        allowed: true,
        reason: `allowed_by_role:${role}` as const,
        matched: Object.freeze({ role, permission }),
      });
    for (const r of closure)
      for (const permission of graph.own.get(r) ?? []) {
        if (permission === '*') {
          entry.all ??= decision(permission);
          continue;
        }
        const colon = permission.indexOf(':');
        const type = permission.slice(0, colon);
        const action = permission.slice(colon + 1);
        if (type === '*') {
          if (!entry.anyType.has(action)) entry.anyType.set(action, decision(permission));
          continue;
        }
        let actions = entry.byType.get(type);
        if (!actions) {
          actions = new Map();
          entry.byType.set(type, actions);
        }
        if (!actions.has(action)) actions.set(action, decision(permission));
      }
    rolePermissions.set(role, entry);
  }

  const envAllowed = new Map<Environment, ReadonlySet<string>>();
  for (const [env, listed] of Object.entries(policy.environmentAccess ?? {})) {
    if (!environments.includes(env as Environment))
      throw new PolicyError('invalid_condition', `environmentAccess: unknown environment ${env}`);
    for (const r of listed ?? [])
      if (!closures.has(r))
        throw new PolicyError('unknown_role', `environmentAccess.${env}: unknown role ${r}`);
    const allowed = new Set<string>();
    for (const [role, closure] of closures)
      for (const r of listed ?? [])
        if (closure.has(r)) {
          allowed.add(role);
          break;
        }
    envAllowed.set(env as Environment, allowed);
  }

  const byType = new Map<string, TypeIndex>();
  const ids = new Set<string>();
  const allSubjectIndexes: SubjectIndex[] = [];
  (policy.grants ?? []).forEach((grant, index) => {
    if (ids.has(grant.id))
      throw new PolicyError(
        'duplicate_grant',
        `grant ${JSON.stringify(grant.id)} is defined twice`,
      );
    ids.add(grant.id);
    const compiled = compileGrant(grant, index, closures);
    let typeIndex = byType.get(grant.resourceType);
    if (!typeIndex) {
      typeIndex = { principals: new Map(), roles: new Map(), effective: undefined };
      byType.set(grant.resourceType, typeIndex);
    }
    const bySubject = compiled.principalId !== undefined ? typeIndex.principals : typeIndex.roles;
    const subjectKey = compiled.principalId ?? (compiled.role as string);
    let idx = bySubject.get(subjectKey);
    if (!idx) {
      idx = { exact: new Map(), prefixes: new Map(), prefixLengths: [], prefixList: undefined };
      bySubject.set(subjectKey, idx);
      allSubjectIndexes.push(idx);
    }
    if (grant.resourceId.endsWith('*')) {
      const prefix = grant.resourceId.slice(0, -1);
      push(idx.prefixes, prefix, compiled);
      if (!idx.prefixLengths.includes(prefix.length)) idx.prefixLengths.push(prefix.length);
    } else push(idx.exact, grant.resourceId, compiled);
  });
  let merged = 0;
  for (const typeIndex of byType.values())
    for (const closure of closures.values())
      for (const r of closure) {
        const idx = typeIndex.roles.get(r);
        if (idx)
          for (const list of [...idx.exact.values(), ...idx.prefixes.values()])
            merged += list.length;
      }
  if (merged <= (options.maxMergedGrants ?? 5_000_000)) {
    for (const typeIndex of byType.values()) {
      if (typeIndex.roles.size === 0) continue;
      const effective = new Map<string, SubjectIndex>();
      for (const [role, closure] of closures) {
        let into: SubjectIndex | undefined;
        for (const r of closure) {
          const idx = typeIndex.roles.get(r);
          if (!idx) continue;
          if (!into) {
            into = {
              exact: new Map(),
              prefixes: new Map(),
              prefixLengths: [],
              prefixList: undefined,
            };
            allSubjectIndexes.push(into);
            effective.set(role, into);
          }
          for (const [id, list] of idx.exact) for (const g of list) push(into.exact, id, g);
          for (const [prefix, list] of idx.prefixes)
            for (const g of list) push(into.prefixes, prefix, g);
          for (const length of idx.prefixLengths)
            if (!into.prefixLengths.includes(length)) into.prefixLengths.push(length);
        }
      }
      typeIndex.effective = effective;
    }
  }
  for (const idx of allSubjectIndexes) {
    idx.prefixLengths.sort((a, b) => a - b);
    if (idx.prefixes.size <= maxScannedPrefixes)
      idx.prefixList = [...idx.prefixes].map(([prefix, grants]) => ({ prefix, grants }));
  }
  const anyType = byType.get('*');

  // The clock of one decision, read only when a candidate grant has conditions to check
  // (decide is synchronous, so one slot serves every decision).
  let clockRead = false;
  let clockValue = 0;
  const nowFor = (context: AuthzContext): number => {
    if (!clockRead) {
      clockValue = clockOf(context);
      clockRead = true;
    }
    return clockValue;
  };
  // Candidate lists for one decision, reused: decide is synchronous.
  const candidates: CompiledGrant[][] = [];
  const collectSubject = (idx: SubjectIndex | undefined, id: string): void => {
    if (!idx) return;
    const exact = idx.exact.get(id);
    if (exact) candidates.push(exact);
    const list = idx.prefixList;
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const entry = list[i] as { prefix: string; grants: CompiledGrant[] };
        if (id.startsWith(entry.prefix)) candidates.push(entry.grants);
      }
      return;
    }
    for (const length of idx.prefixLengths) {
      if (length > id.length) break;
      const list = idx.prefixes.get(length === 0 ? '' : id.slice(0, length));
      if (list) candidates.push(list);
    }
  };
  /** The grants of the principal and of every role it holds, directly or inherited. */
  const collect = (typeIndex: TypeIndex | undefined, principal: AuthzPrincipal, id: string) => {
    if (!typeIndex) return;
    if (typeIndex.principals.size > 0) collectSubject(typeIndex.principals.get(principal.id), id);
    if (typeIndex.roles.size === 0) return;
    const effective = typeIndex.effective;
    if (effective) {
      for (const direct of principal.roles) collectSubject(effective.get(direct), id);
      return;
    }
    for (const direct of principal.roles) {
      const closure = closures.get(direct);
      if (!closure) continue;
      // Walk the smaller side: the role's closure, or the roles holding grants here.
      if (closure.size <= typeIndex.roles.size) {
        for (const role of closure) collectSubject(typeIndex.roles.get(role), id);
      } else {
        for (const [role, idx] of typeIndex.roles) if (closure.has(role)) collectSubject(idx, id);
      }
    }
  };
  // Candidates are already the principal's; what remains is the action.
  const applies = (g: CompiledGrant, action: string): boolean =>
    g.onlyAction !== undefined
      ? g.onlyAction === action || g.anyAction
      : g.anyAction || g.actions.has(action);

  function decideUnsafe(
    principal: AuthzPrincipal,
    action: string,
    resource: AuthzResource,
    context: AuthzContext,
  ): Decision {
    const type = resource.type;
    if (!namePattern.test(action) || !namePattern.test(type) || typeof resource.id !== 'string')
      return errorDecision;
    const roles = principal.roles;

    if (context.environment !== undefined) {
      const allowed = envAllowed.get(context.environment);
      if (allowed) {
        let ok = false;
        for (const r of roles)
          if (allowed.has(r)) {
            ok = true;
            break;
          }
        if (!ok) return envDenied;
      }
    }

    if (principal.kind === 'api_key') {
      // Compared part by part: no `type:action` string built on every decision.
      const scopes = principal.scopes;
      let ok = false;
      if (scopes !== undefined)
        for (let i = 0; i < scopes.length; i++)
          if (coversAction(scopes[i] as string, type, action)) {
            ok = true;
            break;
          }
      if (!ok) return scopeDenied;
    }

    candidates.length = 0;
    collect(byType.get(type), principal, resource.id);
    collect(anyType, principal, resource.id);
    clockRead = false;

    let deny: CompiledGrant | undefined;
    for (const list of candidates)
      for (const g of list)
        if (
          g.deny &&
          (deny === undefined || g.index < deny.index) &&
          applies(g, action) &&
          (g.check === null || g.check(resource, context, nowFor(context)) === null)
        )
          deny = g;
    if (deny) return deny.denied;

    for (const r of roles) {
      const entry = rolePermissions.get(r);
      if (!entry) continue;
      const actions = entry.byType.get(type);
      const byRole =
        actions?.get(action) ?? actions?.get('*') ?? entry.anyType.get(action) ?? entry.all;
      if (byRole) return byRole;
    }

    let allow: CompiledGrant | undefined;
    let failed: CompiledGrant | undefined;
    let failedKind: ConditionKind | undefined;
    for (const list of candidates)
      for (const g of list) {
        if (g.deny || (allow !== undefined && g.index > allow.index)) continue;
        if (!applies(g, action)) continue;
        const kind = g.check === null ? null : g.check(resource, context, nowFor(context));
        if (kind === null) allow = g;
        else if (failed === undefined || g.index < failed.index) {
          failed = g;
          failedKind = kind;
        }
      }
    if (allow) return allow.allowed;
    if (failed && failedKind)
      return {
        allowed: false,
        reason: `condition_failed:${failedKind}`,
        matched: { grantId: failed.id },
      };
    return noGrant;
  }

  // Account caches hand out the same frozen roles array per account: remembered per array.
  const permissionLists = new WeakMap<readonly string[], readonly string[]>();
  return {
    roles: Object.freeze([...closures.keys()]),
    permissionsOf(roles) {
      let out = permissionLists.get(roles);
      if (!out) {
        const set = new Set<string>();
        for (const role of roles)
          for (const r of closures.get(role) ?? [])
            for (const p of graph.own.get(r) ?? []) set.add(p);
        out = Object.freeze([...set]);
        permissionLists.set(roles, out);
      }
      return out;
    },
    holdsRole(roles, role) {
      for (const r of roles) if (closures.get(r)?.has(role)) return true;
      return false;
    },
    decide(principal, action, resource, context = emptyContext) {
      try {
        return decideUnsafe(principal, action, resource, context);
      } catch {
        return errorDecision;
      }
    },
  };
}
