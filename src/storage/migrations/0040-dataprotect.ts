import { type Kysely, sql } from 'kysely';

/**
 * Data protection: the data key ring (each key sealed by the master key), the state of
 * data-key rotations (so a re-encryption resumes after a crash), and consent records
 * (one row per change: the history; the newest row per purpose is the current answer).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('data_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // The 32-byte key, sealed with the master key (v1 envelope, AD data_key:<id>).
    .addColumn('key_sealed', 'text', (c) => c.notNull())
    // primary | active | retired
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .execute();
  // At most one primary key, whatever nodes race to create or rotate one.
  await sql`create unique index data_keys_one_primary on data_keys (status) where status = 'primary'`.execute(
    db,
  );

  await db.schema
    .createTable('data_key_rotations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_id', 'text', (c) => c.notNull())
    // running | done
    .addColumn('status', 'text', (c) => c.notNull())
    // JSON: per encrypted field, the last id re-encrypted and whether it is finished.
    .addColumn('progress', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('done_count', 'integer', (c) => c.notNull())
    .addColumn('started_by', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    // Refreshed by every batch: a running rotation whose heartbeat stopped can be resumed.
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('retired_keys', 'text')
    .execute();
  await sql`create unique index data_key_rotations_one_running on data_key_rotations (status) where status = 'running'`.execute(
    db,
  );

  await db.schema
    .createTable('consent_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('granted', 'integer', (c) => c.notNull())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema
    .createIndex('consent_records_account_idx')
    .on('consent_records')
    .columns(['account_id', 'purpose', 'time'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('consent_records').ifExists().execute();
  await db.schema.dropTable('data_key_rotations').ifExists().execute();
  await db.schema.dropTable('data_keys').ifExists().execute();
}
