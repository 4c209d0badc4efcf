import type { EventPublisher } from '../../events/event-bus.js';
import type { EventSeverity } from '../../events/security-event.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import { compare } from './core/aggregation.js';
import { newAlertInstance, stepAlert } from './core/alert-lifecycle.js';
import type {
  AlertInstance,
  AlertNotification,
  AlertRule,
  AlertSeverity,
  Silence,
} from './core/alert-rule.js';
import { isSilenced } from './core/silences.js';
import type { NotificationOutbox } from './notification-outbox.js';
import type { AlertStore } from './store.js';

/** What a state change of an alert writes to and sends through. */
export interface TransitionContext {
  store: AlertStore;
  outbox: NotificationOutbox;
  events?: EventPublisher;
}

const eventSeverity: Record<AlertSeverity, EventSeverity> = {
  low: 'notice',
  medium: 'warning',
  high: 'warning',
  critical: 'critical',
};

/** The group of an alert this evaluation: its labels and its value (undefined: no data). */
export interface GroupValue {
  labels: Readonly<Record<string, string>>;
  value: number | undefined;
}

/**
 * One evaluation of one alert. The change is written with a version check, together with
 * the notifications it causes (the outbox rows), before anything is sent: a node that just
 * lost the lease (or a new leader reading the same state) never notifies twice, and a node
 * that dies after the write leaves rows the next leader sends.
 */
export async function evaluateAlert(
  ctx: TransitionContext,
  rule: AlertRule,
  fingerprint: string,
  group: GroupValue,
  stored: AlertInstance | undefined,
  silences: readonly Silence[],
  now: number,
): Promise<void> {
  const active = group.value !== undefined && compare(rule.operator, group.value, rule.threshold);
  if (!active && !stored) return;
  const previous = stored ?? newAlertInstance(fingerprint, rule.id, group.labels);
  // The labels the rule selects on are the same for every alert of it: they name what
  // the alert is about (a signal's detector, with its key from groupBy, finds its incident).
  const labels = {
    ...rule.labels,
    ...(rule.signal?.labels ?? rule.metric?.labels ?? {}),
    ...group.labels,
    alertname: rule.name,
    severity: rule.severity,
  };
  const silenced = isSilenced(silences, labels, now);
  const step = stepAlert(rule, previous, { active, value: group.value ?? 0, now, silenced });
  if (step.next === undefined) {
    if (stored) await ctx.store.deleteInstance(fingerprint, stored.version);
    return;
  }
  if (step.next === previous) return;
  const next = { ...step.next, labels };
  const rows = step.notify
    ? ctx.outbox.entries(
        notificationOf(rule, next, {
          status: step.notify,
          startsAt: previous.activeSince ?? next.activeSince ?? now,
          now,
        }),
        rule.channels,
      )
    : [];
  // The write decides: if another node wrote this alert since we read it, it notified.
  if (!(await ctx.store.saveInstanceWithOutbox(next, rows))) return;
  if (step.transition) {
    await ctx.store.appendHistory({
      id: uuidv7(now),
      fingerprint,
      ruleId: rule.id,
      ruleName: rule.name,
      severity: rule.severity,
      labels,
      state: step.transition,
      value: next.value,
      silenced,
      notified: step.notify !== undefined,
      time: now,
    });
  }
  ctx.outbox.send(rows);
  if (step.transition === 'firing' || step.transition === 'resolved') {
    await ctx.events?.publish({
      type: step.transition === 'firing' ? 'alert.firing' : 'alert.resolved',
      outcome: 'success',
      severity: step.transition === 'firing' ? eventSeverity[rule.severity] : 'notice',
      actor: { kind: 'system' },
      target: { type: 'alert', id: fingerprint },
      details: {
        ruleId: rule.id,
        rule: rule.name,
        severity: rule.severity,
        labels,
        value: next.value,
        threshold: rule.threshold,
        silenced,
        notified: step.notify !== undefined,
      },
    });
  }
}

export type ResolveReason = 'rule_deleted' | 'rule_disabled';

const reasonText: Record<ResolveReason, string> = {
  rule_deleted: 'rule deleted',
  rule_disabled: 'rule disabled',
};

/**
 * Resolves the alerts of a rule just deleted or disabled: each firing alert that was
 * notified sends one resolved notification (with the reason) and gets a resolved entry in
 * the history. The alert is claimed with a version-checked write first (with its outbox
 * rows), so the evaluator (or another node doing the same) cannot also resolve or forget
 * it and notify twice; a lost claim is retried on the fresh state.
 */
export async function resolveAlertsOfRule(
  ctx: TransitionContext,
  rule: AlertRule,
  reason: ResolveReason,
  now: number,
): Promise<number> {
  let sent = 0;
  const fingerprints = (await ctx.store.listInstances())
    .filter((i) => i.ruleId === rule.id)
    .map((i) => i.fingerprint);
  for (const fingerprint of fingerprints) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = (await ctx.store.listInstances()).find((i) => i.fingerprint === fingerprint);
      if (!current) break;
      const claimed = { ...current, state: 'inactive' as const, version: current.version + 1 };
      const notify = current.state === 'firing' && current.notified;
      const rows = notify
        ? ctx.outbox.entries(
            {
              ...notificationOf(rule, current, {
                status: 'resolved',
                startsAt: current.activeSince ?? now,
                now,
              }),
              reason: reasonText[reason],
            },
            rule.channels,
          )
        : [];
      if (!(await ctx.store.saveInstanceWithOutbox(claimed, rows))) continue;
      await ctx.store.deleteInstance(fingerprint, claimed.version);
      if (current.state !== 'firing') break;
      ctx.outbox.send(rows);
      if (notify) sent++;
      await ctx.store.appendHistory({
        id: uuidv7(now),
        fingerprint,
        ruleId: rule.id,
        ruleName: rule.name,
        severity: rule.severity,
        labels: current.labels,
        state: 'resolved',
        value: current.value,
        silenced: false,
        notified: notify,
        time: now,
      });
      await ctx.events?.publish({
        type: 'alert.resolved',
        outcome: 'success',
        actor: { kind: 'system' },
        target: { type: 'alert', id: fingerprint },
        details: {
          ruleId: rule.id,
          rule: rule.name,
          severity: rule.severity,
          labels: current.labels,
          value: current.value,
          threshold: rule.threshold,
          reason,
          notified: notify,
        },
      });
      break;
    }
  }
  return sent;
}

function notificationOf(
  rule: AlertRule,
  alert: AlertInstance,
  at: { status: AlertNotification['status']; startsAt: number; now: number },
): AlertNotification {
  return {
    id: uuidv7(at.now),
    status: at.status,
    fingerprint: alert.fingerprint,
    ruleId: rule.id,
    ruleName: rule.name,
    severity: rule.severity,
    labels: alert.labels,
    annotations: rule.annotations,
    value: alert.value,
    threshold: rule.threshold,
    startsAt: at.startsAt,
    endsAt: at.status === 'resolved' ? at.now : null,
  };
}
