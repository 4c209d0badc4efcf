import type { Kysely } from 'kysely';

/**
 * The notification outbox: each notification to each channel is written (with the alert
 * change that caused it) before it is sent, then delivered from here, so a node that dies
 * mid-delivery leaves a pending row the next leader sends again (at least once; the row id
 * is the delivery id receivers deduplicate on, now also kept on each delivery record).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('alert_outbox')
    // The delivery id (X-Rampart-Delivery): one per notification and channel.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('notification_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    // The notification as JSON (labels and annotations; no channel secret).
    .addColumn('payload', 'text', (c) => c.notNull())
    // pending, delivered or failed.
    .addColumn('state', 'text', (c) => c.notNull())
    // Delivery runs started (each run has its own retries).
    .addColumn('attempts', 'integer', (c) => c.notNull())
    // When the row may be (re)claimed: now when written, the claim's end while a node sends.
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('alert_outbox_due_idx')
    .on('alert_outbox')
    .columns(['state', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('alert_outbox_order_idx')
    .on('alert_outbox')
    .columns(['channel', 'fingerprint', 'state', 'id'])
    .execute();
  // Each delivery record names its delivery id, to match what a receiver logged.
  await db.schema.alterTable('alert_deliveries').addColumn('delivery_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('alert_deliveries').dropColumn('delivery_id').execute();
  await db.schema.dropTable('alert_outbox').ifExists().execute();
}
