import { compile } from './engine.js';
import type { AuthzContext, AuthzPrincipal, AuthzResource, Decision } from './model.js';

/**
 * What Rampart's own guards (src/identity/authenticate.ts) ask the authorization
 * capability. {@link PolicyService} implements it over the stored policy;
 * {@link builtInAuthorizer} over the built-in roles alone.
 */
export interface Authorizer {
  /** Never throws: any error denies (reason `error`). */
  decide(
    principal: AuthzPrincipal,
    action: string,
    resource: AuthzResource,
    context?: AuthzContext,
  ): Decision;
  /** True when one of `roles` is `role` or inherits it. */
  holdsRole(roles: readonly string[], role: string): boolean;
  /**
   * The principal's roles: `roles` (from its token or account) plus the roles assigned
   * to it in the stored policy. Returns `roles` itself when nothing is assigned.
   */
  rolesOf(principalId: string, roles: readonly string[]): readonly string[];
  /** The permissions of a principal's roles (its own and assigned), as a list. */
  permissionsOf(principalId: string, roles: readonly string[]): readonly string[];
}

/**
 * The built-in roles only (ADMIN ⊃ DEVELOPER ⊃ VIEWER), for guards built without a
 * stored policy (tests, embedding).
 */
export function builtInAuthorizer(): Authorizer {
  const engine = compile({});
  return {
    decide: (principal, action, resource, context) =>
      engine.decide(principal, action, resource, context),
    holdsRole: (roles, role) => engine.holdsRole(roles, role),
    rolesOf: (_id, roles) => roles,
    permissionsOf: (_id, roles) => engine.permissionsOf(roles),
  };
}
