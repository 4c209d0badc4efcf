import { authzEvents } from './authz-events.js';
import { keyEvents, privacyEvents, secretEvents } from './dataprotect-events.js';
import {
  accountEvents,
  apiKeyEvents,
  passwordEvents,
  serviceAccountEvents,
  sessionEvents,
  signInEvents,
} from './identity-events.js';
import { alertEvents, detectorEvents, healthEvents, responseEvents } from './monitor-events.js';
import { gatewayEvents, ipEvents, rateLimitEvents } from './protect-events.js';

/**
 * Every security-relevant fact in Rampart becomes one typed SecurityEvent. The audit
 * trail, metrics, detectors and the dashboard all consume this one shape, so a field
 * added here is available to all of them.
 *
 * Each capability declares its event types in its own <capability>-events.ts; the
 * spreads below fix the catalog order (Object.keys of it), and a type declared in two
 * files would silently override the first, which security-event.test.ts rules out.
 */
export const securityEventTypes = {
  ...accountEvents,
  ...apiKeyEvents,
  ...ipEvents,
  ...authzEvents,
  ...serviceAccountEvents,
  ...signInEvents,
  ...sessionEvents,
  ...passwordEvents,
  ...rateLimitEvents,
  ...gatewayEvents,
  ...secretEvents,
  ...healthEvents,
  ...responseEvents,
  ...keyEvents,
  ...privacyEvents,
  ...detectorEvents,
  ...alertEvents,
} as const satisfies EventTypeCatalog;

export type EventSeverity = 'info' | 'notice' | 'warning' | 'critical';
/** Event types with their default severity and what they mean. */
export type EventTypeCatalog = Record<string, { severity: EventSeverity; description: string }>;
export type SecurityEventType = keyof typeof securityEventTypes;

export type ActorKind = 'user' | 'service_account' | 'api_key' | 'anonymous' | 'system';

export interface EventActor {
  kind: ActorKind;
  /** Account, service account or key id; absent for anonymous callers. */
  id?: string;
  ip?: string;
  userAgent?: string;
}

export interface EventTarget {
  type: string;
  id?: string;
}

export type EventOutcome = 'success' | 'failure' | 'denied';

export interface SecurityEvent {
  /** Time-ordered unique id (UUIDv7). */
  id: string;
  type: SecurityEventType;
  /** Milliseconds since the Unix epoch. */
  time: number;
  outcome: EventOutcome;
  severity: EventSeverity;
  actor: EventActor;
  target?: EventTarget;
  requestId?: string;
  /**
   * Structured facts about the event. Never a password, token or key: subscribers may
   * persist or display details as they are.
   */
  details: Record<string, unknown>;
}

export type SecurityEventInput = Omit<SecurityEvent, 'id' | 'time' | 'severity'> & {
  severity?: EventSeverity;
};
