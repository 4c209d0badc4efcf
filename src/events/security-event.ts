/**
 * Every security-relevant fact in Rampart becomes one typed SecurityEvent. The audit
 * trail, metrics, detectors and the dashboard all consume this one shape, so a field
 * added here is available to all of them.
 */
export const securityEventTypes = {
  'account.registered': { severity: 'info', description: 'A new account was created.' },
  'account.created_by_admin': {
    severity: 'notice',
    description: 'An operator created an account (CLI or API).',
  },
  'auth.login.succeeded': { severity: 'info', description: 'A password login succeeded.' },
  'auth.login.failed': {
    severity: 'warning',
    description: 'A password login failed (unknown account, wrong password, disabled account).',
  },
  'auth.bootstrap.used': {
    severity: 'notice',
    description: 'The one-time bootstrap token created the first administrator.',
  },
  'auth.token.rejected': {
    severity: 'warning',
    description: 'A presented access token failed verification.',
  },
  'invite.created': { severity: 'notice', description: 'An invitation to register was created.' },
  'signing_key.created': { severity: 'notice', description: 'A JWT signing key was created.' },
  'signing_key.rotated': {
    severity: 'notice',
    description: 'The current JWT signing key was replaced; the old one verifies until it expires.',
  },
} as const satisfies Record<string, { severity: EventSeverity; description: string }>;

export type EventSeverity = 'info' | 'notice' | 'warning' | 'critical';
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
