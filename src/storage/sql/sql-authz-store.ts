import type { Kysely } from 'kysely';
import type { GrantConditions } from '../../authz/model.js';
import type {
  ApprovalRecord,
  ApprovalStatus,
  ApprovalStore,
  AuthzPolicyStore,
  StoredGrant,
  StoredPolicy,
  StoredRole,
} from '../../authz/store.js';
import type { Database } from '../database-schema.js';
import { isUniqueViolation } from './sql-errors.js';

// Type aliases, not interfaces: Kysely's withTables needs index-compatible types.
export type AuthzTables = {
  authz_roles: {
    name: string;
    description: string | null;
    inherits: string;
    permissions: string;
    created_at: number;
    updated_at: number;
  };
  authz_grants: {
    id: string;
    subject_kind: string;
    subject: string;
    resource_type: string;
    resource_id: string;
    actions: string;
    effect: string;
    conditions: string | null;
    created_by: string | null;
    created_at: number;
  };
  authz_role_assignments: {
    principal_id: string;
    role: string;
    assigned_by: string | null;
    assigned_at: number;
  };
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
  };
};

type AuthzDb = Kysely<Database & AuthzTables>;

/** The stored policy in SQLite or PostgreSQL. */
export class SqlAuthzPolicyStore implements AuthzPolicyStore {
  readonly #db: AuthzDb;
  constructor(db: Kysely<Database>) {
    this.#db = db.withTables<AuthzTables>();
  }

  async load(): Promise<StoredPolicy> {
    const [roles, grants, assignments] = await Promise.all([
      this.#db.selectFrom('authz_roles').selectAll().orderBy('name').execute(),
      this.#db.selectFrom('authz_grants').selectAll().orderBy('created_at').orderBy('id').execute(),
      this.#db
        .selectFrom('authz_role_assignments')
        .selectAll()
        .orderBy('principal_id')
        .orderBy('role')
        .execute(),
    ]);
    return {
      roles: roles.map(
        (r): StoredRole => ({
          name: r.name,
          description: r.description,
          inherits: JSON.parse(r.inherits) as string[],
          permissions: JSON.parse(r.permissions) as string[],
          createdAt: Number(r.created_at),
          updatedAt: Number(r.updated_at),
        }),
      ),
      grants: grants.map(
        (g): StoredGrant => ({
          id: g.id,
          subject:
            g.subject_kind === 'role'
              ? { kind: 'role', name: g.subject }
              : { kind: 'principal', id: g.subject },
          resourceType: g.resource_type,
          resourceId: g.resource_id,
          actions: JSON.parse(g.actions) as string[],
          effect: g.effect === 'deny' ? 'deny' : 'allow',
          ...(g.conditions === null
            ? {}
            : { conditions: JSON.parse(g.conditions) as GrantConditions }),
          createdBy: g.created_by,
          createdAt: Number(g.created_at),
        }),
      ),
      assignments: assignments.map((a) => ({
        principalId: a.principal_id,
        role: a.role,
        assignedBy: a.assigned_by,
        assignedAt: Number(a.assigned_at),
      })),
    };
  }

  async putRole(role: StoredRole): Promise<void> {
    const values = {
      name: role.name,
      description: role.description,
      inherits: JSON.stringify(role.inherits),
      permissions: JSON.stringify(role.permissions),
      created_at: role.createdAt,
      updated_at: role.updatedAt,
    };
    await this.#db
      .insertInto('authz_roles')
      .values(values)
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({
          description: values.description,
          inherits: values.inherits,
          permissions: values.permissions,
          updated_at: values.updated_at,
        }),
      )
      .execute();
  }

  async deleteRole(name: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('authz_role_assignments').where('role', '=', name).execute();
      const r = await trx.deleteFrom('authz_roles').where('name', '=', name).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  async addGrant(grant: StoredGrant): Promise<boolean> {
    try {
      await this.#db
        .insertInto('authz_grants')
        .values({
          id: grant.id,
          subject_kind: grant.subject.kind,
          subject: grant.subject.kind === 'role' ? grant.subject.name : grant.subject.id,
          resource_type: grant.resourceType,
          resource_id: grant.resourceId,
          actions: JSON.stringify(grant.actions),
          effect: grant.effect,
          conditions: grant.conditions === undefined ? null : JSON.stringify(grant.conditions),
          created_by: grant.createdBy,
          created_at: grant.createdAt,
        })
        .execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async deleteGrant(id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('authz_grants').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async setAssignments(
    principalId: string,
    roles: readonly string[],
    by: string | null,
    now: number,
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('authz_role_assignments')
        .where('principal_id', '=', principalId)
        .execute();
      if (roles.length > 0)
        await trx
          .insertInto('authz_role_assignments')
          .values(
            roles.map((role) => ({
              principal_id: principalId,
              role,
              assigned_by: by,
              assigned_at: now,
            })),
          )
          .execute();
    });
  }
}

type ApprovalRow = AuthzTables['authz_approvals'];

function toApproval(r: ApprovalRow): ApprovalRecord {
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
  };
}

/** Approval requests; state changes are conditional updates, so they are race-free across nodes. */
export class SqlApprovalStore implements ApprovalStore {
  readonly #db: AuthzDb;
  constructor(db: Kysely<Database>) {
    this.#db = db.withTables<AuthzTables>();
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
      })
      .execute();
  }

  async find(id: string): Promise<ApprovalRecord | undefined> {
    const row = await this.#db
      .selectFrom('authz_approvals')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toApproval(row) : undefined;
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
    return rows.map(toApproval);
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
      const current = toApproval(row);
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
