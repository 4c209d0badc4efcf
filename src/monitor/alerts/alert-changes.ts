import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor } from '../../events/security-event.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import type { ChannelCatalog } from '../channels/channel-catalog.js';
import type { ChannelDispatcher } from '../channels/dispatcher.js';
import type { AlertRule } from './core/alert-rule.js';
import type { AlertStore } from './store.js';

/** Who changed the alert configuration (recorded on the `alert.config.changed` event). */
export interface ChangeAuthor {
  actor: EventActor;
  requestId?: string;
}

export type ChangedKind = 'rule' | 'channel' | 'silence';

/**
 * Records a change of a rule, channel or silence. `before` and `after` are the API's
 * response shapes: for a channel its summary (origin of the URL, whether signed), never
 * its settings, which hold secrets.
 */
export async function publishAlertChange(
  events: EventPublisher | undefined,
  by: ChangeAuthor | undefined,
  change: { kind: ChangedKind; id: string; op: 'created' | 'updated' | 'deleted' },
  before: unknown,
  after: unknown,
): Promise<void> {
  if (!events) return;
  await events.publish({
    type: 'alert.config.changed',
    outcome: 'success',
    actor: by?.actor ?? { kind: 'system' },
    target: { type: `alert_${change.kind}`, id: change.id },
    ...(by?.requestId ? { requestId: by.requestId } : {}),
    details: { kind: change.kind, change: change.op, before: before ?? null, after: after ?? null },
  });
}

/**
 * Resolves the alerts of a rule just deleted: each firing alert that was notified sends
 * one resolved notification. The alert is claimed with a version-checked write first, so
 * the evaluator (or another node doing the same) cannot also resolve or forget it first
 * and notify twice; a lost claim is retried on the fresh state.
 */
export async function resolveAlertsOfDeletedRule(
  o: {
    store: AlertStore;
    catalog: ChannelCatalog;
    dispatcher: ChannelDispatcher;
    events?: EventPublisher;
  },
  rule: AlertRule,
  now: number,
): Promise<number> {
  let sent = 0;
  const fingerprints = (await o.store.listInstances())
    .filter((i) => i.ruleId === rule.id)
    .map((i) => i.fingerprint);
  for (const fingerprint of fingerprints) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = (await o.store.listInstances()).find((i) => i.fingerprint === fingerprint);
      if (!current) break;
      const claimed = { ...current, state: 'inactive' as const, version: current.version + 1 };
      if (!(await o.store.saveInstance(claimed))) continue;
      await o.store.deleteInstance(fingerprint, claimed.version);
      if (current.state !== 'firing' || !current.notified) break;
      o.dispatcher.dispatch(
        {
          id: uuidv7(now),
          status: 'resolved',
          fingerprint,
          ruleId: rule.id,
          ruleName: rule.name,
          severity: rule.severity,
          labels: current.labels,
          annotations: rule.annotations,
          value: current.value,
          threshold: rule.threshold,
          startsAt: current.activeSince ?? now,
          endsAt: now,
        },
        o.catalog.targets(rule.channels),
      );
      sent++;
      await o.store.appendHistory({
        id: uuidv7(now),
        fingerprint,
        ruleId: rule.id,
        ruleName: rule.name,
        severity: rule.severity,
        labels: current.labels,
        state: 'resolved',
        value: current.value,
        silenced: false,
        notified: true,
        time: now,
      });
      await o.events?.publish({
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
          reason: 'rule_deleted',
          notified: true,
        },
      });
      break;
    }
  }
  return sent;
}
