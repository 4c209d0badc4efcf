import type { Kysely } from 'kysely';
import type {
  AlertHistoryEntry,
  AlertHistoryQuery,
  DeliveryQuery,
  DeliveryRecord,
} from '../../monitor/alerts/store.js';

// Type alias, not an interface: Kysely's withTables needs index-compatible types.
export type HistoryTables = {
  alert_history: {
    id: string;
    fingerprint: string;
    rule_id: string;
    rule_name: string;
    severity: string;
    labels: string;
    state: string;
    value: number;
    silenced: number;
    notified: number;
    time: number;
  };
  alert_deliveries: {
    id: string;
    notification_id: string;
    delivery_id: string | null;
    fingerprint: string;
    channel: string;
    status: string;
    test: number;
    outcome: string;
    attempts: number;
    error: string | null;
    started_at: number;
    duration_ms: number;
  };
};

/** The alert history and the delivery records (migration 0051) on SQLite or PostgreSQL. */
export async function appendHistory(
  db: Kysely<HistoryTables>,
  e: AlertHistoryEntry,
): Promise<void> {
  await db
    .insertInto('alert_history')
    .values({
      id: e.id,
      fingerprint: e.fingerprint,
      rule_id: e.ruleId,
      rule_name: e.ruleName,
      severity: e.severity,
      labels: JSON.stringify(e.labels),
      state: e.state,
      value: Number.isFinite(e.value) ? e.value : 0,
      silenced: e.silenced ? 1 : 0,
      notified: e.notified ? 1 : 0,
      time: e.time,
    })
    .execute();
}

export async function queryHistory(
  db: Kysely<HistoryTables>,
  q: AlertHistoryQuery,
): Promise<AlertHistoryEntry[]> {
  let query = db.selectFrom('alert_history').selectAll();
  if (q.ruleId !== undefined) query = query.where('rule_id', '=', q.ruleId);
  if (q.fingerprint !== undefined) query = query.where('fingerprint', '=', q.fingerprint);
  if (q.state !== undefined) query = query.where('state', '=', q.state);
  if (q.severity !== undefined) query = query.where('severity', '=', q.severity);
  if (q.since !== undefined) query = query.where('time', '>=', q.since);
  if (q.until !== undefined) query = query.where('time', '<', q.until);
  if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
  const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    fingerprint: r.fingerprint,
    ruleId: r.rule_id,
    ruleName: r.rule_name,
    severity: r.severity as AlertHistoryEntry['severity'],
    labels: JSON.parse(r.labels) as Record<string, string>,
    state: r.state as AlertHistoryEntry['state'],
    value: r.value,
    silenced: r.silenced === 1,
    notified: r.notified === 1,
    time: r.time,
  }));
}

export async function recordDelivery(db: Kysely<HistoryTables>, d: DeliveryRecord): Promise<void> {
  await db
    .insertInto('alert_deliveries')
    .values({
      id: d.id,
      notification_id: d.notificationId,
      delivery_id: d.deliveryId,
      fingerprint: d.fingerprint,
      channel: d.channel,
      status: d.status,
      test: d.test ? 1 : 0,
      outcome: d.outcome,
      attempts: d.attempts,
      error: d.error,
      started_at: d.startedAt,
      duration_ms: d.durationMs,
    })
    .execute();
}

export async function pruneHistory(db: Kysely<HistoryTables>, before: number): Promise<void> {
  await db.deleteFrom('alert_history').where('time', '<', before).execute();
  await db.deleteFrom('alert_deliveries').where('started_at', '<', before).execute();
}

export async function queryDeliveries(
  db: Kysely<HistoryTables>,
  q: DeliveryQuery,
): Promise<DeliveryRecord[]> {
  let query = db.selectFrom('alert_deliveries').selectAll();
  if (q.channel !== undefined) query = query.where('channel', '=', q.channel);
  if (q.outcome !== undefined) query = query.where('outcome', '=', q.outcome);
  if (q.fingerprint !== undefined) query = query.where('fingerprint', '=', q.fingerprint);
  if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
  const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    notificationId: r.notification_id,
    deliveryId: r.delivery_id,
    fingerprint: r.fingerprint,
    channel: r.channel,
    status: r.status as DeliveryRecord['status'],
    test: r.test === 1,
    outcome: r.outcome as DeliveryRecord['outcome'],
    attempts: r.attempts,
    error: r.error,
    startedAt: r.started_at,
    durationMs: r.duration_ms,
  }));
}
