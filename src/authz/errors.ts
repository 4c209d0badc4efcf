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
  authz_role_not_found: {
    status: 404,
    title: 'Role not found',
    description: 'No custom role has this name.',
  },
  authz_role_builtin: {
    status: 400,
    title: 'Built-in role',
    description:
      'ADMIN, DEVELOPER and VIEWER are built in and cannot be defined, changed or deleted through the API; define a custom role that inherits one.',
  },
  authz_grant_not_found: {
    status: 404,
    title: 'Grant not found',
    description: 'No grant has this id.',
  },
  authz_grant_exists: {
    status: 409,
    title: 'Grant exists',
    description: 'A grant with this id exists already; choose another id or delete it first.',
  },
  authz_principal_not_found: {
    status: 404,
    title: 'Principal not found',
    description: 'Roles can only be assigned to an existing account or service account.',
  },
  step_up_required: {
    status: 401,
    title: 'Step-up authentication required',
    description:
      'This operation needs a login with a second factor (MFA) within the last `maxAgeSeconds` seconds (RFC 9470). Sign in again with MFA and repeat the request.',
  },
  approval_not_found: {
    status: 404,
    title: 'Approval not found',
    description: 'No approval request has this id.',
  },
  approval_self_refused: {
    status: 403,
    title: 'Approval by the requester refused',
    description: 'A request must be approved or rejected by someone other than its requester.',
  },
  approval_closed: {
    status: 409,
    title: 'Approval request closed',
    description:
      'The approval request was already approved, rejected or spent, or it expired, or you approved it already; it cannot be decided again. `approvalStatus` says which.',
  },
  approval_not_usable: {
    status: 403,
    title: 'Approval not usable',
    description:
      'The Approval-Id does not authorize this request: it is pending, rejected, expired, already spent, for another operation or request, or requested by someone else. `approvalStatus` says which (`pending`, `rejected`, `expired`, `spent`, `other_request`, `other_requester`, `unknown`).',
  },
  approval_not_required: {
    status: 400,
    title: 'Approval not required',
    description:
      "POST /v1/authz/approvals was asked for a request no approval policy applies to (the route has none, or none of its policies' conditions hold): call the route directly.",
  },
  approval_not_executable: {
    status: 409,
    title: 'Approval not executable',
    description:
      'The approval request does not hold the request it approves (it was recorded before requests were kept): repeat the call with the Approval-Id header instead.',
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
