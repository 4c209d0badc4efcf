import type { Kysely } from 'kysely';

/**
 * The health history: every run of a scheduled check and every state change, per node,
 * deleted after health.history.retentionDays. The id is a UUIDv7, so it orders rows by
 * time on both dialects without a sequence.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('health_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    // run | check_changed | status_changed
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('check_name', 'text')
    .addColumn('check_type', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('previous_status', 'text')
    // JSON text: a number, a string or a boolean.
    .addColumn('observed_value', 'text')
    .addColumn('observed_unit', 'text')
    .addColumn('output', 'text')
    .addColumn('duration_ms', 'double precision')
    .execute();
  await db.schema
    .createIndex('health_history_time_idx')
    .on('health_history')
    .column('time')
    .execute();
  await db.schema
    .createIndex('health_history_check_idx')
    .on('health_history')
    .columns(['check_name', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('health_history').ifExists().execute();
}
