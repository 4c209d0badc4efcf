import type { Grant, RoleDefinition } from './model.js';

/** Ports the authorization capability needs. Adapter: src/storage/sql/sql-authz-store.ts. */

export interface StoredRole extends RoleDefinition {
  description: string | null;
  inherits: readonly string[];
  permissions: readonly string[];
  createdAt: number;
  updatedAt: number;
}

export interface StoredGrant extends Grant {
  createdBy: string | null;
  createdAt: number;
}

export interface RoleAssignment {
  principalId: string;
  role: string;
  assignedBy: string | null;
  assignedAt: number;
}

/** Everything the policy holds; read whole, since it is compiled whole. */
export interface StoredPolicy {
  roles: StoredRole[];
  grants: StoredGrant[];
  assignments: RoleAssignment[];
}

export interface AuthzPolicyStore {
  load(): Promise<StoredPolicy>;
  /** Inserts or replaces a role by name. */
  putRole(role: StoredRole): Promise<void>;
  /** Deletes the role and its assignments; resolves false when it did not exist. */
  deleteRole(name: string): Promise<boolean>;
  /** Resolves false when the id is taken. */
  addGrant(grant: StoredGrant): Promise<boolean>;
  deleteGrant(id: string): Promise<boolean>;
  /** Replaces the roles assigned to a principal. */
  setAssignments(
    principalId: string,
    roles: readonly string[],
    by: string | null,
    now: number,
  ): Promise<void>;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'spent';

/** The exact request an approval is for, kept (sealed) so it can be shown and executed. */
export interface BoundRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** The parsed JSON body; null for none. */
  body: unknown;
}

export interface ApprovalRecord {
  id: string;
  /** `METHOD /route/:pattern`. */
  operation: string;
  /** Digest of the exact request (method, URL, body) the approval is for. */
  fingerprint: string;
  requesterId: string;
  /** Distinct approvers needed (never the requester). */
  required: number;
  /** The approval policy that asked for it; null for `authz.approvals.routes`. */
  policy: string | null;
  /** The role an approver holds or inherits; null: `authz.approvals.approverRole`. */
  approverRole: string | null;
  /** The request itself; null for requests recorded before it was kept. */
  request: BoundRequest | null;
  /** Why the requester asks (POST /v1/authz/approvals `reason`). */
  note: string | null;
  /** Who approved so far, in order. */
  approvers: string[];
  status: ApprovalStatus;
  /** The last decider's reason. */
  reason: string | null;
  createdAt: number;
  expiresAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
  spentAt: number | null;
}

export interface ApprovalStore {
  create(record: ApprovalRecord): Promise<void>;
  find(id: string): Promise<ApprovalRecord | undefined>;
  /** Open requests (pending, unexpired at `now`), oldest first. */
  listPending(now: number, limit: number): Promise<ApprovalRecord[]>;
  /**
   * Records `by`'s verdict on a pending, unexpired request: a rejection closes it; an
   * approval adds `by` to its approvers and approves it once `required` have. Atomic
   * across nodes. `closed` when it is no longer pending or has expired, `duplicate` when
   * `by` approved it already.
   */
  decide(
    id: string,
    verdict: 'approved' | 'rejected',
    by: string,
    now: number,
    reason: string | null,
  ): Promise<ApprovalRecord | 'closed' | 'duplicate'>;
  /**
   * Spends an approved, unexpired approval atomically: of concurrent callers exactly one
   * gets true (the operation then runs once).
   */
  spend(id: string, now: number): Promise<boolean>;
}
