import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor } from '../../events/security-event.js';

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
