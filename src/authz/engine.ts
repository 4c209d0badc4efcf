import { coversAction } from '../identity/core/permissions.js';
import {
  type AuthzContext,
  type AuthzPrincipal,
  type AuthzResource,
  type ConditionKind,
  type Decision,
  namePattern,
  type Policy,
  type PolicyError,
} from './model.js';
import {
  type CompiledGrant,
  type CompileOptions,
  compilePolicy,
  type SubjectIndex,
  type TypeIndex,
} from './policy-compiler.js';

export type { CompileOptions } from './policy-compiler.js';

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
  const { graph, closures, rolePermissions, envAllowed, byType } = compilePolicy(policy, options);
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
