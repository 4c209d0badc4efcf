import type { Kysely } from 'kysely';
import type { AlertNotification } from '../../monitor/alerts/core/alert-rule.js';
import type { OutboxEntry, OutboxState } from '../../monitor/alerts/store.js';

// Type alias, not an interface: Kysely's withTables needs index-compatible types.
export type OutboxTables = {
  alert_outbox: {
    id: string;
    notification_id: string;
    fingerprint: string;
    channel: string;
    payload: string;
    state: string;
    attempts: number;
    next_attempt_at: number;
    claimed_by: string | null;
    created_at: number;
    updated_at: number;
  };
};

/** The notification outbox (migration 0053) on SQLite or PostgreSQL. */
export async function insertOutbox(
  db: Kysely<OutboxTables>,
  rows: readonly OutboxEntry[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('alert_outbox')
    .values(
      rows.map((r) => ({
        id: r.id,
        notification_id: r.notification.id,
        fingerprint: r.notification.fingerprint,
        channel: r.channel,
        payload: JSON.stringify(r.notification),
        state: r.state,
        attempts: r.attempts,
        next_attempt_at: r.nextAttemptAt,
        claimed_by: null,
        created_at: r.createdAt,
        updated_at: r.createdAt,
      })),
    )
    .execute();
}

export async function dueOutbox(
  db: Kysely<OutboxTables>,
  now: number,
  limit: number,
): Promise<OutboxEntry[]> {
  const rows = await db
    .selectFrom('alert_outbox')
    .selectAll()
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    notification: JSON.parse(r.payload) as AlertNotification,
    state: r.state as OutboxState,
    attempts: r.attempts,
    nextAttemptAt: Number(r.next_attempt_at),
    createdAt: Number(r.created_at),
  }));
}

export async function claimOutbox(
  db: Kysely<OutboxTables>,
  id: string,
  holder: string,
  now: number,
  until: number,
  maxRuns: number,
): Promise<boolean> {
  const r = await db
    .updateTable('alert_outbox as o')
    .set((eb) => ({
      claimed_by: holder,
      next_attempt_at: until,
      attempts: eb('o.attempts', '+', 1),
      updated_at: now,
    }))
    .where('o.id', '=', id)
    .where('o.state', '=', 'pending')
    .where('o.next_attempt_at', '<=', now)
    .where('o.attempts', '<', maxRuns)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('alert_outbox as older')
            .select('older.id')
            .whereRef('older.channel', '=', 'o.channel')
            .whereRef('older.fingerprint', '=', 'o.fingerprint')
            .where('older.state', '=', 'pending')
            .whereRef('older.id', '<', 'o.id'),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function renewOutbox(
  db: Kysely<OutboxTables>,
  id: string,
  holder: string,
  now: number,
  until: number,
): Promise<boolean> {
  const r = await db
    .updateTable('alert_outbox')
    .set({ next_attempt_at: until, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .where('claimed_by', '=', holder)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function completeOutbox(
  db: Kysely<OutboxTables>,
  id: string,
  holder: string | null,
  state: 'delivered' | 'failed',
  now: number,
): Promise<boolean> {
  let query = db
    .updateTable('alert_outbox')
    .set({ state, claimed_by: null, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'pending');
  query =
    holder === null
      ? query.where('next_attempt_at', '<=', now)
      : query.where('claimed_by', '=', holder);
  const r = await query.executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function pruneOutbox(db: Kysely<OutboxTables>, before: number): Promise<void> {
  await db
    .deleteFrom('alert_outbox')
    .where('state', '!=', 'pending')
    .where('updated_at', '<', before)
    .execute();
}
