import type { Kysely } from 'kysely';

/**
 * Automated responses (each action taken, with what undoing it needs), incidents with
 * their timelines, and the "require MFA at next login" flag responses set on accounts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('response_actions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('signal_id', 'text')
    .addColumn('incident_id', 'text')
    .addColumn('detector', 'text')
    // ban_ip | lock_account | revoke_sessions | revoke_api_keys | require_mfa | read_only | notify
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject_type', 'text')
    .addColumn('subject_id', 'text')
    // executed | dry_run | skipped | failed | reverted
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reversible', 'integer', (c) => c.notNull())
    // JSON: what was done, and what undoing it needs.
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('reverted_at', 'bigint')
    .addColumn('reverted_by', 'text')
    .execute();
  await db.schema
    .createIndex('response_actions_created_idx')
    .on('response_actions')
    .columns(['created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('response_actions_subject_idx')
    .on('response_actions')
    .columns(['action', 'subject_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    // low | medium | high | critical
    .addColumn('severity', 'text', (c) => c.notNull())
    // open | acknowledged | contained | resolved
    .addColumn('status', 'text', (c) => c.notNull())
    // detector:key for incidents opened by responses; signals with the same key join it.
    .addColumn('key', 'text')
    .addColumn('opened_by', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('contained_at', 'bigint')
    .addColumn('resolved_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('incidents_key_idx')
    .on('incidents')
    .columns(['key', 'status'])
    .execute();
  await db.schema
    .createIndex('incidents_opened_idx')
    .on('incidents')
    .columns(['opened_at', 'id'])
    .execute();

  await db.schema
    .createTable('incident_timeline')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    // signal | action | notification | note | status
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('incident_timeline_incident_idx')
    .on('incident_timeline')
    .columns(['incident_id', 'time', 'id'])
    .execute();

  await db.schema
    .createTable('mfa_requirements')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['mfa_requirements', 'incident_timeline', 'incidents', 'response_actions']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
