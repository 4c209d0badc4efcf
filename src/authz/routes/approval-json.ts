import type { ApprovalService } from '../approval-service.js';
import type { ApprovalRecord } from '../store.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The HTTP representation of an approval request (ApprovalJson). */
export function approvalJson(a: ApprovalRecord, approvals: ApprovalService, now: number) {
  return {
    id: a.id,
    operation: a.operation,
    requesterId: a.requesterId,
    required: a.required,
    approvers: [...a.approvers],
    status: a.status === 'pending' && a.expiresAt <= now ? ('expired' as const) : a.status,
    reason: a.reason,
    createdAt: iso(a.createdAt),
    expiresAt: iso(a.expiresAt),
    decidedBy: a.decidedBy,
    decidedAt: a.decidedAt === null ? null : iso(a.decidedAt),
    policy: a.policy,
    approverRole: approvals.approverRoleOf(a),
    note: a.note,
    request: a.request === null ? null : { ...a.request },
  };
}
