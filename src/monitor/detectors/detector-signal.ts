import type { DetectorName } from '../../config/response-schema.js';
import type { SecurityEventInput } from '../../events/security-event.js';
import type { SignalSubject } from './detector-rules.js';
import type { KeyState } from './detector-window.js';

export type SignalSeverity = 'low' | 'medium' | 'high' | 'critical';

/** What a `detector.signal` event carries in its details. */
export interface DetectorSignal {
  detector: DetectorName;
  severity: SignalSeverity;
  key: string;
  evidence: SignalSubject & {
    count: number;
    threshold: number;
    windowSeconds: number;
    firstSeenAt: number;
    lastSeenAt: number;
    eventIds: string[];
    eventTypes: string[];
  };
}

/**
 * The `detector.signal` event of a key that fired: who it is about, how many events in
 * which window, and the first events of the batch as evidence.
 *
 * @example
 * await events.publish(signalEvent(k, estimate));
 */
export function signalEvent(k: KeyState, count: number): SecurityEventInput {
  const { limits } = k;
  const s = k.obs.subject;
  const details: DetectorSignal = {
    detector: k.obs.detector,
    severity: limits.severity,
    key: k.obs.key,
    evidence: {
      ...s,
      count,
      threshold: limits.threshold,
      windowSeconds: limits.windowMs / 1000,
      firstSeenAt: k.firstSeenAt,
      lastSeenAt: k.lastSeenAt,
      eventIds: k.eventIds.slice(0, k.evidenceCount),
      eventTypes: k.eventTypes.slice(0, k.typeCount),
    },
  };
  return {
    type: 'detector.signal',
    outcome: 'failure',
    severity: limits.severity === 'critical' || limits.severity === 'high' ? 'critical' : 'warning',
    actor: s.accountId
      ? { kind: 'user', id: s.accountId, ...(s.ip ? { ip: s.ip } : {}) }
      : { kind: 'anonymous', ...(s.ip ? { ip: s.ip } : {}) },
    target: { type: 'detector', id: k.obs.detector },
    details: details as unknown as Record<string, unknown>,
  };
}
