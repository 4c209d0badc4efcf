import type { Kysely } from 'kysely';
import type {
  ApprovalRecord,
  ApprovalStatus,
  ApprovalStore,
  BoundRequest,
} from '../../authz/store.js';
import type { Sealer } from '../../dataprotect/core/sealer.js';
import type { Database } from '../database-schema.js';

// A type alias, not an interface: Kysely's withTables needs index-compatible types.
type ApprovalTables = {
  authz_approvals: {
    id: string;
    operation: string;
    fingerprint: string;
    requester_id: string;
    required: number;
    approvers: string;
    status: string;
    reason: string | null;
    created_at: number;
    expires_at: number;
    decided_by: string | null;
    decided_at: number | null;
    spent_at: number | null;
    policy: string | null;
    approver_role: string | null;
    note: string | null;
    /** {method, url, body} as JSON, sealed with the approval id as associated data. */
    request_sealed: string | null;
  };
};

type ApprovalDb = Kysely<Database & ApprovalTables>;

/** The sealed request is bound to its approval: moved to another row, it does not open. */
const associatedData = (id: string) => `authz_approvals.request:${id}`;

type ApprovalRow = ApprovalTables['authz_approvals'];

function toApproval(r: ApprovalRow, request: BoundRequest | null): ApprovalRecord {
  return {
    id: r.id,
    operation: r.operation,
    fingerprint: r.fingerprint,
    requesterId: r.requester_id,
    required: Number(r.required),
    approvers: JSON.parse(r.approvers) as string[],
    status: r.status as ApprovalStatus,
    reason: r.reason,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    decidedBy: r.decided_by,
    decidedAt: r.decided_at === null ? null : Number(r.decided_at),
    spentAt: r.spent_at === null ? null : Number(r.spent_at),
    policy: r.policy,
    approverRole: r.approver_role,
    note: r.note,
    request,
  };
}

/** Approval requests; state changes are conditional updates, so they are race-free across nodes. */
export class SqlApprovalStore implements ApprovalStore {
  readonly #db: ApprovalDb;
  readonly #sealer: Sealer;
  constructor(db: Kysely<Database>, sealer: Sealer) {
    this.#db = db.withTables<ApprovalTables>();
    this.#sealer = sealer;
  }

  #toApproval(r: ApprovalRow): ApprovalRecord {
    const request =
      r.request_sealed === null
        ? null
        : (JSON.parse(
            this.#sealer.open(r.request_sealed, associatedData(r.id)).toString('utf8'),
          ) as BoundRequest);
    return toApproval(r, request);
  }

  async create(a: ApprovalRecord): Promise<void> {
    await this.#db
      .insertInto('authz_approvals')
      .values({
        id: a.id,
        operation: a.operation,
        fingerprint: a.fingerprint,
        requester_id: a.requesterId,
        required: a.required,
        approvers: JSON.stringify(a.approvers),
        status: a.status,
        reason: a.reason,
        created_at: a.createdAt,
        expires_at: a.expiresAt,
        decided_by: a.decidedBy,
        decided_at: a.decidedAt,
        spent_at: a.spentAt,
        policy: a.policy,
        approver_role: a.approverRole,
        note: a.note,
        request_sealed:
          a.request === null
            ? null
            : this.#sealer.seal(JSON.stringify(a.request), associatedData(a.id)),
      })
      .execute();
  }

  async find(id: string): Promise<ApprovalRecord | undefined> {
    const row = await this.#db
      .selectFrom('authz_approvals')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? this.#toApproval(row) : undefined;
  }

  async listPending(now: number, limit: number): Promise<ApprovalRecord[]> {
    const rows = await this.#db
      .selectFrom('authz_approvals')
      .selectAll()
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => this.#toApproval(row));
  }

  async decide(
    id: string,
    verdict: 'approved' | 'rejected',
    by: string,
    now: number,
    reason: string | null,
  ): Promise<ApprovalRecord | 'closed' | 'duplicate'> {
    // Optimistic: the update holds only if nobody changed the approvers meanwhile; a
    // concurrent approver on another node makes this one read again.
    for (let attempt = 0; attempt < 10; attempt++) {
      const row = await this.#db
        .selectFrom('authz_approvals')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (row?.status !== 'pending' || Number(row.expires_at) <= now) return 'closed';
      const current = this.#toApproval(row);
      if (current.approvers.includes(by)) return 'duplicate';
      const approvers = verdict === 'approved' ? [...current.approvers, by] : current.approvers;
      const status =
        verdict === 'rejected'
          ? 'rejected'
          : approvers.length >= current.required
            ? 'approved'
            : 'pending';
      const r = await this.#db
        .updateTable('authz_approvals')
        .set({
          status,
          approvers: JSON.stringify(approvers),
          decided_by: by,
          decided_at: now,
          reason,
        })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('approvers', '=', row.approvers)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) > 0)
        return { ...current, status, approvers, decidedBy: by, decidedAt: now, reason };
    }
    return 'closed';
  }

  async spend(id: string, now: number): Promise<boolean> {
    const r = await this.#db
      .updateTable('authz_approvals')
      .set({ status: 'spent', spent_at: now })
      .where('id', '=', id)
      .where('status', '=', 'approved')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
