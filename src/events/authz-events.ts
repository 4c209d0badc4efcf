import type { EventTypeCatalog } from './security-event.js';

/**
 * The authorization events of the security event catalog (security-event.ts).
 */

/** Authorization: refusals, policy changes, step-up and approvals. */
export const authzEvents = {
  'authz.denied': {
    severity: 'warning',
    description:
      'An authenticated caller was refused an operation its roles or scopes do not allow.',
  },
  'authz.policy.changed': {
    severity: 'notice',
    description:
      'A role, grant or role assignment was created, changed or deleted (details.before and details.after).',
  },
  'authz.step_up.required': {
    severity: 'info',
    description: 'A sensitive operation was refused until the caller signs in again with MFA.',
  },
  'authz.approval.requested': {
    severity: 'notice',
    description: 'A sensitive operation is waiting for a second administrator to approve it.',
  },
  'authz.approval.approved': {
    severity: 'notice',
    description: 'An approval request was approved; the requester may now run the operation once.',
  },
  'authz.approval.rejected': {
    severity: 'notice',
    description: 'An approval request was rejected.',
  },
  'authz.approval.used': {
    severity: 'notice',
    description: 'An approved operation ran; its approval is spent.',
  },
  'authz.approval.executed': {
    severity: 'notice',
    description:
      "POST /v1/authz/approvals/:id/execute ran an approved request as its requester; details.status is the operation's response status.",
  },
  'authz.approval.refused': {
    severity: 'warning',
    description:
      'An approval was misused: approved by its requester, reused, expired, or presented for another request.',
  },
} as const satisfies EventTypeCatalog;
