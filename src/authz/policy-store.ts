import { type AuthzEngine, compile } from './engine.js';
import { policyProblem } from './errors.js';
import type { AuthzContext, AuthzPrincipal, AuthzResource, Decision, Policy } from './model.js';
import { PolicyError } from './model.js';

/** The decision function the routes and guards call. */
export type DecideFunction = (
  principal: AuthzPrincipal,
  action: string,
  resource: AuthzResource,
  context?: AuthzContext,
) => Decision;

/** The policy in force on this node, compiled; replaced atomically. */
export interface PolicyHolder {
  readonly policy: Policy;
  readonly decide: DecideFunction;
  /**
   * Compiles `policy` and puts it in force. An invalid policy throws a RampartError
   * (`authz_policy_invalid`, `authz_role_cycle`) and the previous policy stays.
   */
  replace(policy: Policy): void;
}

/**
 * An in-memory policy holder, from configuration or tests. A stored, cluster-wide policy
 * (Redis invalidation) replaces it later behind the same interface.
 *
 * @example
 * const holder = createPolicyHolder({ roles: [{ name: 'auditor', inherits: ['VIEWER'] }] });
 * holder.decide({ kind: 'user', id: 'u1', roles: ['auditor'] }, 'read', { type: 'audit', id: 'x' });
 */
export function createPolicyHolder(initial: Policy = {}): PolicyHolder {
  const compileOrProblem = (policy: Policy): AuthzEngine => {
    try {
      return compile(policy);
    } catch (error) {
      if (error instanceof PolicyError) throw policyProblem(error);
      throw error;
    }
  };
  let current = { policy: initial, engine: compileOrProblem(initial) };
  return {
    get policy() {
      return current.policy;
    },
    decide: (principal, action, resource, context) =>
      current.engine.decide(principal, action, resource, context),
    replace(policy) {
      current = { policy, engine: compileOrProblem(policy) };
    },
  };
}
