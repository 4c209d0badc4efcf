import { defineErrors, RampartError } from '../errors/rampart-error.js';
import type { PolicyError } from './model.js';

/** Errors of the authorization capability. */
export const authzErrors = defineErrors({
  authz_policy_invalid: {
    status: 400,
    title: 'Authorization policy invalid',
    description:
      'The policy cannot be compiled: an unknown or duplicate role, a malformed permission, grant or condition (time zone, CIDR, attribute predicate). `policyCode` names the rule broken; the previous policy stays in force.',
  },
  authz_role_cycle: {
    status: 409,
    title: 'Role inheritance cycle',
    description:
      'The role inheritance would form a cycle (a role inheriting itself through other roles); the detail names the cycle. Inheritance must stay acyclic; the previous policy stays in force.',
  },
});

/** The problem for a policy that does not compile. */
export function policyProblem(error: PolicyError): RampartError {
  const def =
    error.code === 'role_cycle' ? authzErrors.authz_role_cycle : authzErrors.authz_policy_invalid;
  return new RampartError(def, {
    detail: error.message,
    extensions: { policyCode: error.code },
    cause: error,
  });
}
