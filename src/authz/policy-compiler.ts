import { type ConditionCheck, compileConditions } from './conditions.js';
import {
  type Decision,
  type Environment,
  environments,
  type Grant,
  namePattern,
  type Policy,
  PolicyError,
} from './model.js';
import { buildRoleGraph, type RoleGraph, roleClosures } from './roles.js';

export interface CompiledGrant {
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

export interface RolePermissions {
  readonly byType: Map<string, Map<string, Decision>>;
  readonly anyType: Map<string, Decision>;
  all: Decision | undefined;
}

/** The grants of one subject on one resource type. */
export interface SubjectIndex {
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
export interface TypeIndex {
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

/** What {@link compilePolicy} builds: the tables a decision reads. */
export interface CompiledPolicy {
  readonly graph: RoleGraph;
  readonly closures: Map<string, ReadonlySet<string>>;
  readonly rolePermissions: Map<string, RolePermissions>;
  readonly envAllowed: Map<Environment, ReadonlySet<string>>;
  readonly byType: Map<string, TypeIndex>;
}

/**
 * The compile-time half of `compile` (engine.ts): validates the policy and builds its role
 * closures, per-role permission decisions, environment matrix and grant indexes.
 * Throws {@link PolicyError} on an invalid policy.
 */
export function compilePolicy(policy: Policy, options: CompileOptions = {}): CompiledPolicy {
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
  return { graph, closures, rolePermissions, envAllowed, byType };
}
