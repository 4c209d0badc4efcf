import type { AuditRecord } from './core/audit-record.js';
import type { AuditActivity, AuditStore } from './store.js';

export interface AnalyticsOptions {
  fromTime: number;
  toTime: number;
  /** Working hours in UTC, [start, end); activity outside them is "off hours". */
  workStartHour: number;
  workEndHour: number;
  /** Failures per actor that count as repeated. */
  minFailures: number;
}

export interface AuditAnalytics extends AuditActivity {
  failureRate: number;
  /** The newest events with risk 8 or more. */
  highRisk: AuditRecord[];
  /** Risky (7+) actions by accounts outside working hours. */
  offHours: AuditRecord[];
}

function offHours(time: number, start: number, end: number): boolean {
  const hour = new Date(time).getUTCHours();
  return start <= end ? hour < start || hour >= end : hour < start && hour >= end;
}

/**
 * Security analytics over a window: failure rate, high-risk events, repeated failures per
 * actor, first-seen IPs per actor, off-hours administrative activity (risk 7+ actions by
 * accounts outside working hours) and a per-actor activity summary.
 */
export async function auditAnalytics(
  store: AuditStore,
  o: AnalyticsOptions,
): Promise<AuditAnalytics> {
  const activity = await store.activity(o.fromTime, o.toTime, o.minFailures);
  const window = { fromTime: o.fromTime, toTime: o.toTime };
  const highRisk = await store.query({ ...window, minRisk: 8, order: 'desc', limit: 50 });
  const risky = await store.query({
    ...window,
    minRisk: 7,
    actorKind: 'user',
    order: 'desc',
    limit: 1000,
  });
  return {
    ...activity,
    failureRate: activity.total === 0 ? 0 : activity.failures / activity.total,
    highRisk,
    offHours: risky.filter((r) => offHours(r.time, o.workStartHour, o.workEndHour)).slice(0, 100),
  };
}
