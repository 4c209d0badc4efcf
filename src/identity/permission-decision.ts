import type { FastifyRequest } from 'fastify';
import type { Authorizer } from '../authz/authorizer.js';
import type { AuthzContext, AuthzResource, Decision, Environment } from '../authz/model.js';
import { anyCovers } from './core/permissions.js';

export const errorDecision: Decision = Object.freeze({
  allowed: false,
  reason: 'error',
  matched: null,
});

/** A required permission split once, when its guard is made, not on every request. */
export interface Requirement {
  permission: string;
  /** The action after the colon. */
  action: string;
  /** `{ type, id: '*' }`; undefined for a wildcard requirement or one without a colon. */
  anyOfType: AuthzResource | undefined;
}

export function requirementOf(permission: string): Requirement {
  const colon = permission.indexOf(':');
  if (colon === -1 || permission.includes('*')) {
    return { permission, action: '', anyOfType: undefined };
  }
  return {
    permission,
    action: permission.slice(colon + 1),
    anyOfType: Object.freeze({ type: permission.slice(0, colon), id: '*' }),
  };
}

/**
 * Permission decisions for the authenticated caller of a request, by the authorization
 * engine (`authorizer`) in `environment`.
 */
export function createPermissionDecision(
  authorizer: Authorizer,
  environment: Environment | undefined,
) {
  /**
   * The engine's decision on a requirement for the request's principal. Rampart's own
   * routes have no resource ids unless a guard names one: `*` matches the role
   * permissions and any-id grants only. Any error denies.
   */
  function decideRequirement(
    request: FastifyRequest,
    required: Requirement,
    resource?: AuthzResource,
  ): Decision {
    try {
      const p = request.principal;
      if (!p) return errorDecision;
      const permission = required.permission;
      if (required.anyOfType === undefined) {
        // A wildcard requirement (`orders:*` in a gateway route) is not one action the
        // engine can decide: it needs a wildcard permission, by the matching rules.
        const held = authorizer.permissionsOf(p.id, p.roles);
        const allowed =
          anyCovers(held, permission) && (p.kind !== 'api_key' || anyCovers(p.scopes, permission));
        return allowed
          ? { allowed: true, reason: 'allowed_by_role:*', matched: { permission } }
          : errorDecision;
      }
      const roles = authorizer.rolesOf(p.id, p.roles);
      const principal = roles === p.roles ? p : { ...p, roles };
      const context: AuthzContext =
        environment === undefined ? { ip: request.ip } : { ip: request.ip, environment };
      return authorizer.decide(principal, required.action, resource ?? required.anyOfType, context);
    } catch {
      return errorDecision;
    }
  }

  function decidePermission(
    request: FastifyRequest,
    permission: string,
    resource?: AuthzResource,
  ): Decision {
    return decideRequirement(request, requirementOf(permission), resource);
  }

  return { decideRequirement, decidePermission };
}
