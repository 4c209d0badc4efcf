import { type Kysely, sql } from 'kysely';

/**
 * Master key rotations: which one runs (at most one, whatever nodes race), since when,
 * and its heartbeat, so a rotation killed mid-way is resumed; the finished ones tell an
 * operator when a previous master key may be dropped.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('master_key_rotations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Fingerprints only (the key id of a master-key envelope), never key material.
    .addColumn('to_key_id', 'text', (c) => c.notNull())
    .addColumn('from_key_ids', 'text', (c) => c.notNull())
    // running | done
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('done_count', 'integer', (c) => c.notNull())
    .addColumn('started_by', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await sql`create unique index master_key_rotations_one_running on master_key_rotations (status) where status = 'running'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('master_key_rotations').ifExists().execute();
}
