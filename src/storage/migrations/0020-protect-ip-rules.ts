import type { Kysely } from 'kysely';

/** IP allow and deny rules (CIDRs) and bans of single clients, with expiry. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ip_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // allow | deny | ban
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('cidr', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('lifted_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('ip_rules_live_idx')
    .on('ip_rules')
    .columns(['lifted_at', 'expires_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ip_rules').ifExists().execute();
}
