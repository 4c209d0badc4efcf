import type { Kysely } from 'kysely';

/**
 * Approval policies: each request records the policy that asked for it, its approver role,
 * the requester's reason, and the exact request (sealed: a body may hold personal data or
 * secrets) so approvers see what they approve and POST …/execute can run it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of ['policy', 'approver_role', 'note', 'request_sealed'])
    await db.schema.alterTable('authz_approvals').addColumn(column, 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['request_sealed', 'note', 'approver_role', 'policy'])
    await db.schema.alterTable('authz_approvals').dropColumn(column).execute();
}
