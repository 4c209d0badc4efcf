import { RampartError } from '../errors/rampart-error.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { EventActor } from '../events/security-event.js';
import type { RequestContext } from '../identity/core/request-context.js';
import { uuidv7 } from '../shared/uuid-v7.js';
import { authzErrors } from './errors.js';
import type { ApprovalRecord, ApprovalStore, BoundRequest } from './store.js';

export interface ApprovalServiceOptions {
  store: ApprovalStore;
  events: EventPublisher;
  /** Milliseconds a request stays open, and an approval usable. */
  ttlMs: number;
  /** Distinct approvers a request needs unless its policy says (default 1). */
  required?: number;
  /** The role approvers hold unless the request's policy says (default ADMIN). */
  approverRole?: string;
  now?: () => number;
}

/** What the policy that asked for an approval says, and what was asked. */
export interface ApprovalRequestInput {
  policy?: string | null;
  required?: number;
  approverRole?: string;
  request?: BoundRequest | null;
  note?: string | null;
}

function requestIdOf(ctx: RequestContext) {
  return ctx.requestId ? { requestId: ctx.requestId } : {};
}

/**
 * Four-eyes approval of sensitive operations. A request names the exact operation and
 * request (a fingerprint of method, URL and body); someone other than the requester
 * approves or rejects it; the requester then repeats the request with the approval's id
 * and it runs once: spending is one conditional update, so of concurrent retries (on any
 * node) exactly one proceeds. Every step is a security event, and so an audit record.
 */
export class ApprovalService {
  readonly #o: ApprovalServiceOptions;
  readonly #now: () => number;

  constructor(options: ApprovalServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  async request(
    operation: string,
    fingerprint: string,
    actor: EventActor & { id: string },
    ctx: RequestContext,
    input: ApprovalRequestInput = {},
  ): Promise<ApprovalRecord> {
    const now = this.#now();
    const record: ApprovalRecord = {
      id: uuidv7(now),
      operation,
      fingerprint,
      requesterId: actor.id,
      required: input.required ?? this.#o.required ?? 1,
      policy: input.policy ?? null,
      approverRole: input.approverRole ?? this.approverRoleOf(null),
      request: input.request ?? null,
      note: input.note ?? null,
      approvers: [],
      status: 'pending',
      reason: null,
      createdAt: now,
      expiresAt: now + this.#o.ttlMs,
      decidedBy: null,
      decidedAt: null,
      spentAt: null,
    };
    await this.#o.store.create(record);
    await this.#o.events.publish({
      type: 'authz.approval.requested',
      outcome: 'success',
      actor,
      target: { type: 'approval', id: record.id },
      ...requestIdOf(ctx),
      details: {
        operation,
        expiresAt: record.expiresAt,
        required: record.required,
        policy: record.policy,
        approverRole: record.approverRole,
        reason: record.note,
      },
    });
    return record;
  }

  /** The role that approves `record` (records made before policies: the default). */
  approverRoleOf(record: ApprovalRecord | null): string {
    return record?.approverRole ?? this.#o.approverRole ?? 'ADMIN';
  }

  /** Records that an approved request ran through POST …/execute, with its outcome. */
  async executed(
    record: ApprovalRecord,
    status: number,
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<void> {
    await this.#o.events.publish({
      type: 'authz.approval.executed',
      outcome: status < 400 ? 'success' : 'failure',
      actor,
      target: { type: 'approval', id: record.id },
      ...requestIdOf(ctx),
      details: { operation: record.operation, status },
    });
  }

  listPending(limit = 100): Promise<ApprovalRecord[]> {
    return this.#o.store.listPending(this.#now(), limit);
  }

  async get(id: string): Promise<ApprovalRecord> {
    const record = await this.#o.store.find(id);
    if (!record) throw new RampartError(authzErrors.approval_not_found);
    return record;
  }

  /** Approves or rejects; the requester never decides their own request. */
  async decide(
    id: string,
    verdict: 'approved' | 'rejected',
    actor: EventActor & { id: string },
    reason: string | null,
    ctx: RequestContext,
  ): Promise<ApprovalRecord> {
    const record = await this.get(id);
    if (record.requesterId === actor.id) {
      await this.#refused(record, actor, 'self_approval', ctx);
      throw new RampartError(authzErrors.approval_self_refused);
    }
    const now = this.#now();
    const after = await this.#o.store.decide(id, verdict, actor.id, now, reason);
    if (after === 'closed' || after === 'duplicate')
      throw new RampartError(authzErrors.approval_closed, {
        extensions: {
          approvalStatus:
            after === 'duplicate'
              ? 'already_approved_by_you'
              : record.expiresAt <= now
                ? 'expired'
                : record.status,
        },
      });
    // An approval short of the required count is recorded too (status stays pending).
    await this.#o.events.publish({
      type: verdict === 'approved' ? 'authz.approval.approved' : 'authz.approval.rejected',
      outcome: 'success',
      actor,
      target: { type: 'approval', id },
      ...requestIdOf(ctx),
      details: {
        operation: record.operation,
        requesterId: record.requesterId,
        reason,
        approvals: after.approvers.length,
        required: after.required,
        status: after.status,
      },
    });
    return after;
  }

  /**
   * Refuses (and records) running `record` through POST …/execute by anyone but its
   * requester, or in a state that cannot run; the spend itself stays the guard's, once.
   */
  async assertExecutable(
    record: ApprovalRecord,
    actor: EventActor & { id: string },
    ctx: RequestContext,
  ): Promise<BoundRequest> {
    let refusal: string | undefined;
    if (record.requesterId !== actor.id) refusal = 'other_requester';
    else if (record.status === 'spent') refusal = 'spent';
    else if (record.expiresAt <= this.#now()) refusal = 'expired';
    else if (record.status !== 'approved') refusal = record.status;
    if (refusal !== undefined) {
      if (refusal !== 'pending') await this.#refused(record, actor, refusal, ctx);
      throw new RampartError(authzErrors.approval_not_usable, {
        extensions: { approvalStatus: refusal },
      });
    }
    if (record.request === null) throw new RampartError(authzErrors.approval_not_executable);
    return record.request;
  }

  /**
   * Spends approval `id` for this exact request by its requester, or throws
   * `approval_not_usable` (with the approval's state) and records the misuse.
   */
  async spend(
    id: string,
    operation: string,
    fingerprint: string,
    actor: EventActor & { id: string },
    ctx: RequestContext,
  ): Promise<void> {
    const record = await this.#o.store.find(id);
    const now = this.#now();
    const problem = (status: string) =>
      new RampartError(authzErrors.approval_not_usable, {
        extensions: { approvalStatus: status },
      });
    if (!record) throw problem('unknown');
    let refusal: string | undefined;
    if (record.requesterId !== actor.id) refusal = 'other_requester';
    else if (record.operation !== operation || record.fingerprint !== fingerprint)
      refusal = 'other_request';
    else if (record.expiresAt <= now) refusal = 'expired';
    else if (record.status !== 'approved') refusal = record.status;
    else if (!(await this.#o.store.spend(id, now))) refusal = 'spent';
    if (refusal !== undefined) {
      if (refusal !== 'pending') await this.#refused(record, actor, refusal, ctx);
      throw problem(refusal);
    }
    await this.#o.events.publish({
      type: 'authz.approval.used',
      outcome: 'success',
      actor,
      target: { type: 'approval', id },
      ...requestIdOf(ctx),
      details: { operation, approvedBy: record.approvers },
    });
  }

  async #refused(
    record: ApprovalRecord,
    actor: EventActor,
    reason: string,
    ctx: RequestContext,
  ): Promise<void> {
    await this.#o.events.publish({
      type: 'authz.approval.refused',
      outcome: 'denied',
      actor,
      target: { type: 'approval', id: record.id },
      ...requestIdOf(ctx),
      details: { operation: record.operation, reason },
    });
  }
}
