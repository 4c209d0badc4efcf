import { covers } from '../identity/core/permissions.js';
import { compileConditions } from './conditions.js';
import type {
  AuthzContext,
  AuthzPrincipal,
  AuthzResource,
  ConditionKind,
  Decision,
  Policy,
} from './model.js';
import { buildRoleGraph } from './roles.js';

export interface RoleExplanation {
  role: string;
  /** How the principal holds it: from a role it holds directly to this one. */
  path: string[];
  /** This role's own permissions that cover the wanted `type:action`. */
  permissions: string[];
}

export interface GrantExplanation {
  id: string;
  effect: 'allow' | 'deny';
  /** The subject that made the grant apply: `principal` or the role. */
  via: string;
  /** `applies` when it matches and its conditions hold, else the first failing condition. */
  outcome: 'applies' | `condition_failed:${ConditionKind}`;
}

export interface Explanation {
  decision: Decision;
  principal: { id: string; kind: string; roles: string[] };
  roles: RoleExplanation[];
  environment: { environment: string; allowedRoles: string[]; allowed: boolean } | null;
  scope: { scopes: string[]; allowed: boolean } | null;
  /** Grants on this principal (or its roles), resource, id and action. */
  grants: GrantExplanation[];
}

/**
 * Why `decide` answers what it answers: the roles the principal holds (and through which
 * inheritance), which of their permissions cover the action, the environment matrix and
 * API-key scopes, and every grant that addresses this principal, resource and action with
 * the condition that failed. Walks the whole policy: an operator's question, not a hot path.
 */
export function explain(
  policy: Policy,
  decide: (
    p: AuthzPrincipal,
    action: string,
    resource: AuthzResource,
    context: AuthzContext,
  ) => Decision,
  principal: AuthzPrincipal,
  action: string,
  resource: AuthzResource,
  context: AuthzContext,
): Explanation {
  const decision = decide(principal, action, resource, context);
  const graph = buildRoleGraph(policy.roles ?? []);
  const wanted = `${resource.type}:${action}`;
  // Breadth-first from the roles held: each role's shortest inheritance path.
  const paths = new Map<string, string[]>();
  const queue: string[] = [];
  for (const r of principal.roles)
    if (graph.parents.has(r) && !paths.has(r)) {
      paths.set(r, [r]);
      queue.push(r);
    }
  for (let i = 0; i < queue.length; i++) {
    const role = queue[i] as string;
    const path = paths.get(role) as string[];
    for (const parent of graph.parents.get(role) ?? [])
      if (!paths.has(parent)) {
        paths.set(parent, [...path, parent]);
        queue.push(parent);
      }
  }
  const roles: RoleExplanation[] = [...paths].map(([role, path]) => ({
    role,
    path,
    permissions: (graph.own.get(role) ?? []).filter((p) => covers(p, wanted)),
  }));

  let environment: Explanation['environment'] = null;
  const env = context.environment;
  const listed = env === undefined ? undefined : policy.environmentAccess?.[env];
  if (env !== undefined && listed !== undefined)
    environment = {
      environment: env,
      allowedRoles: [...listed],
      allowed: listed.some((r) => paths.has(r)),
    };
  const scope =
    principal.kind === 'api_key'
      ? {
          scopes: [...(principal.scopes ?? [])],
          allowed: (principal.scopes ?? []).some((s) => covers(s, wanted)),
        }
      : null;

  const now =
    context.now === undefined
      ? Date.now()
      : typeof context.now === 'number'
        ? context.now
        : context.now.getTime();
  const grants: GrantExplanation[] = [];
  for (const g of policy.grants ?? []) {
    let via: string | undefined;
    if (g.subject.kind === 'principal') {
      if (g.subject.id === principal.id) via = 'principal';
    } else if (paths.has(g.subject.name)) via = g.subject.name;
    if (via === undefined) continue;
    if (g.resourceType !== '*' && g.resourceType !== resource.type) continue;
    const idMatches = g.resourceId.endsWith('*')
      ? resource.id.startsWith(g.resourceId.slice(0, -1))
      : g.resourceId === resource.id;
    if (!idMatches) continue;
    if (!g.actions.includes('*') && !g.actions.includes(action)) continue;
    const failed = compileConditions(g.conditions, g.id)?.(resource, context, now) ?? null;
    grants.push({
      id: g.id,
      effect: g.effect,
      via,
      outcome: failed === null ? 'applies' : `condition_failed:${failed}`,
    });
  }
  return {
    decision,
    principal: { id: principal.id, kind: principal.kind, roles: [...principal.roles] },
    roles,
    environment,
    scope,
    grants,
  };
}
