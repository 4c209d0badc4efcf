import type { Kysely } from 'kysely';

/**
 * The stored authorization policy (custom roles, resource grants, role assignments) and
 * approval requests for sensitive operations. JSON columns are text (both dialects).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('authz_roles')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('description', 'text')
    .addColumn('inherits', 'text', (c) => c.notNull())
    .addColumn('permissions', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('authz_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // principal | role
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('actions', 'text', (c) => c.notNull())
    .addColumn('effect', 'text', (c) => c.notNull())
    .addColumn('conditions', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('authz_role_assignments')
    .addColumn('principal_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('assigned_by', 'text')
    .addColumn('assigned_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('authz_role_assignments_pk', ['principal_id', 'role'])
    .execute();
  await db.schema
    .createTable('authz_approvals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('requester_id', 'text', (c) => c.notNull())
    // How many distinct approvers it needs, and who approved so far (JSON array).
    .addColumn('required', 'integer', (c) => c.notNull())
    .addColumn('approvers', 'text', (c) => c.notNull())
    // pending | approved | rejected | spent
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'bigint')
    .addColumn('spent_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('authz_approvals_status_idx')
    .on('authz_approvals')
    .columns(['status', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['authz_approvals', 'authz_role_assignments', 'authz_grants', 'authz_roles'])
    await db.schema.dropTable(table).ifExists().execute();
}
