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
  'account.roles.changed': {
    severity: 'warning',
    description:
      "An administrator replaced an account's built-in roles (details.before and details.after, with the effective roles).",
  },
  'account.deleted': {
    severity: 'warning',
    description:
      'An administrator deleted an account: erased like a GDPR erasure, sessions and keys revoked (details.pseudonym).',
  },
  'apikey.created': { severity: 'notice', description: 'An API key was issued.' },
  'apikey.revoked': { severity: 'notice', description: 'An API key was revoked.' },
  'apikey.rotated': {
    severity: 'notice',
    description: 'An API key was replaced; the old one works until its grace ends.',
  },
  'apikey.expiring': {
    severity: 'warning',
    description: 'An API key expires soon (apiKeys.expiryNotice ahead).',
  },
  'apikey.rejected': {
    severity: 'warning',
    description: 'A request presented an invalid, revoked, expired or out-of-network API key.',
  },
  'apikey.exposed_in_url': {
    severity: 'critical',
    description: 'An API key was sent in a URL query and refused; rotate it.',
  },
  'signature.rejected': {
    severity: 'warning',
    description: 'A signed request was refused: bad signature or timestamp out of range.',
  },
  'signature.replayed': {
    severity: 'critical',
    description: 'A correctly signed request was sent again with a used nonce (a replay).',
  },
  'ip.banned': { severity: 'warning', description: 'A client address was banned.' },
  'ip.rule.added': { severity: 'notice', description: 'An IP allow or deny rule was added.' },
  'ip.rule.lifted': { severity: 'notice', description: 'An IP rule or ban was lifted.' },
  'ip.blocked': {
    severity: 'warning',
    description:
      'Requests from a denied or banned address were refused (at most one event per address a minute).',
  },
  'authz.denied': {
    severity: 'warning',
    description:
      'An authenticated caller was refused an operation its roles or scopes do not allow.',
  },
  'authz.policy.changed': {
    severity: 'notice',
    description:
      'A role, grant or role assignment was created, changed or deleted (details.before and details.after).',
  },
  'authz.step_up.required': {
    severity: 'info',
    description: 'A sensitive operation was refused until the caller signs in again with MFA.',
  },
  'authz.approval.requested': {
    severity: 'notice',
    description: 'A sensitive operation is waiting for a second administrator to approve it.',
  },
  'authz.approval.approved': {
    severity: 'notice',
    description: 'An approval request was approved; the requester may now run the operation once.',
  },
  'authz.approval.rejected': {
    severity: 'notice',
    description: 'An approval request was rejected.',
  },
  'authz.approval.used': {
    severity: 'notice',
    description: 'An approved operation ran; its approval is spent.',
  },
  'authz.approval.executed': {
    severity: 'notice',
    description:
      "POST /v1/authz/approvals/:id/execute ran an approved request as its requester; details.status is the operation's response status.",
  },
  'authz.approval.refused': {
    severity: 'warning',
    description:
      'An approval was misused: approved by its requester, reused, expired, or presented for another request.',
  },
  'service_account.created': { severity: 'notice', description: 'A service account was created.' },
  'service_account.disabled': {
    severity: 'notice',
    description: 'A service account was disabled and its keys revoked.',
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
  'auth.token.refreshed': {
    severity: 'info',
    description: 'A refresh token was rotated into a new token pair.',
  },
  'auth.refresh.reused': {
    severity: 'critical',
    description:
      'A spent refresh token was presented again: its session and every token of the family were revoked.',
  },
  'auth.refresh.failed': {
    severity: 'warning',
    description: 'A refresh was refused (unknown, expired or revoked).',
  },
  'auth.logout': { severity: 'info', description: 'A session was ended by its owner.' },
  'auth.account.locked': {
    severity: 'warning',
    description: 'Too many failed attempts locked an account for a while.',
  },
  'auth.account.unlocked': {
    severity: 'notice',
    description: 'An administrator lifted a lockout.',
  },
  'auth.ip.throttled': {
    severity: 'warning',
    description: 'A client network exceeded its failed-attempt budget and is throttled.',
  },
  'auth.oauth.login': {
    severity: 'info',
    description:
      'A social login ended: success (signed in, or sent to the MFA step) or failure with its reason.',
  },
  'auth.oauth.failed': {
    severity: 'warning',
    description:
      'A social login response was refused: invalid state, issuer or nonce mismatch, reused code, denied consent, invalid provider token.',
  },
  'auth.oauth.linked': {
    severity: 'notice',
    description: 'A provider identity was linked to an account (verified email or signed-in link).',
  },
  'auth.oauth.unlinked': {
    severity: 'notice',
    description: 'A provider identity was unlinked from an account.',
  },
  'oauth.provider.changed': {
    severity: 'notice',
    description: 'An administrator added, changed or removed a social login provider.',
  },
  'auth.mfa.challenged': {
    severity: 'info',
    description: 'A password step succeeded and MFA was requested.',
  },
  'auth.mfa.failed': {
    severity: 'warning',
    description: 'A wrong, replayed or expired MFA code was presented.',
  },
  'mfa.enabled': {
    severity: 'notice',
    description: 'An account turned on a second factor (TOTP) and received recovery codes.',
  },
  'mfa.disabled': {
    severity: 'warning',
    description: 'An account turned off its second factor (with its password and a code).',
  },
  'mfa.recovery_codes.regenerated': {
    severity: 'notice',
    description: 'An account replaced its recovery codes; the previous ones stopped working.',
  },
  'mfa.reset': {
    severity: 'warning',
    description: "An administrator removed an account's second factor and recovery codes.",
  },
  'session.created': { severity: 'info', description: 'A new session was created.' },
  'session.revoked': {
    severity: 'notice',
    description: 'A session was revoked (by its owner, an admin or a rule).',
  },
  'session.fingerprint.changed': {
    severity: 'warning',
    description: 'A session was refreshed from another user-agent family or IP network.',
  },
  'password.changed': {
    severity: 'notice',
    description: 'An account owner changed their password; every other session was ended.',
  },
  'password.change.failed': {
    severity: 'warning',
    description:
      'A password change was refused: the current password was wrong or the account locked.',
  },
  'password.reset.requested': {
    severity: 'notice',
    description: 'A password reset link was requested (the details tell whether one was sent).',
  },
  'password.reset.rate_limited': {
    severity: 'warning',
    description: 'Password reset requests for an email or from a network exceeded their budget.',
  },
  'password.reset': {
    severity: 'notice',
    description: 'A password was set with a reset link; every session of the account was ended.',
  },
  'password.reset.failed': {
    severity: 'warning',
    description: 'A password reset was refused: the token was unknown, used or expired.',
  },
  'ratelimit.exceeded': {
    severity: 'warning',
    description:
      'A client exceeded a rate-limit policy (reported once per key and window; details.suppressed counts the refusals not reported).',
  },
  'ratelimit.policy.changed': {
    severity: 'notice',
    description: 'A rate-limit policy was added or removed through the API.',
  },
  'ratelimit.store.degraded': {
    severity: 'critical',
    description:
      'The shared rate-limit store failed; limits now follow rateLimit.failMode (per-node in memory, or refusing).',
  },
  'ratelimit.store.recovered': {
    severity: 'notice',
    description: 'The shared rate-limit store answers again; limits are global again.',
  },
  'gateway.upstream.failed': {
    severity: 'warning',
    description:
      'A proxied request failed to reach the upstream or timed out (details.reason: timeout or unavailable).',
  },
  'gateway.circuit.opened': {
    severity: 'critical',
    description:
      'The upstream failed gateway.circuitBreaker.failures times in a row; the gateway answers 503 without calling it.',
  },
  'gateway.circuit.closed': {
    severity: 'notice',
    description: 'A probe request reached the upstream again; the gateway calls it normally.',
  },
  'secret.detected': {
    severity: 'critical',
    description:
      'A secret (API key, token, private key, password) was found in a scanned request body or payload; details carry the rule and redacted evidence, never the secret.',
  },
  'health.check.changed': {
    severity: 'warning',
    description:
      'A scheduled health check changed state after its failure threshold (details: check, status, previousStatus, nodeId); a recovery is a notice.',
  },
  'health.status.changed': {
    severity: 'warning',
    description:
      "A node's overall health changed between healthy, degraded and unhealthy (critical when unhealthy, a notice when healthy again).",
  },
  'response.action.executed': {
    severity: 'warning',
    description:
      'An automated response acted on a signal (ban, lock, revoke, require MFA, read-only mode, notify).',
  },
  'response.action.reverted': {
    severity: 'notice',
    description: 'An operator undid an automated response action.',
  },
  'response.action.dry_run': {
    severity: 'notice',
    description: 'Dry-run mode: an automated response would have acted but did not.',
  },
  'response.action.skipped': {
    severity: 'notice',
    description:
      'An automated response did not act (details.reason: allowlisted, trusted_operator, no subject) or failed.',
  },
  'incident.opened': {
    severity: 'warning',
    description: 'An incident was opened (by an automated response or by hand).',
  },
  'incident.status.changed': {
    severity: 'notice',
    description: 'An incident moved on: acknowledged, contained or resolved.',
  },
  'incident.note.added': { severity: 'info', description: 'A note was added to an incident.' },
  'readonly_mode.changed': {
    severity: 'critical',
    description: 'Read-only mode was turned on or off (unsafe methods are refused while on).',
  },
  'data_key.rotated': {
    severity: 'notice',
    description:
      'A new primary data key was made; re-encryption of every sealed field started (rampart keys rotate-data).',
  },
  'data_key.rotation.completed': {
    severity: 'notice',
    description:
      'Every sealed field was re-encrypted under the primary data key; unused keys were retired.',
  },
  'master_key.rotated': {
    severity: 'warning',
    description:
      'A master key rotation started: every data key is being re-sealed under the current master key (rampart keys rotate-master); details.from lists the previous keys by fingerprint.',
  },
  'master_key.rotation.completed': {
    severity: 'notice',
    description:
      'Every data key is sealed by the current master key and no value is sealed by a master key directly any more.',
  },
  'gdpr.exported': {
    severity: 'notice',
    description: 'An account downloaded everything Rampart holds about it (GET /v1/me/export).',
  },
  'gdpr.erased': {
    severity: 'warning',
    description:
      'An account erased its personal data (DELETE /v1/me); its audit records keep a pseudonymous id.',
  },
  'consent.changed': {
    severity: 'info',
    description: 'An account granted or withdrew consent for a purpose.',
  },
  'detector.signal': {
    severity: 'warning',
    description:
      'A detector saw an attack pattern: details.detector, details.severity (low, medium, high, critical), details.key and details.evidence.',
  },
  'alert.firing': {
    severity: 'warning',
    description:
      'An alert rule fired (after its for duration): details.rule, details.severity, details.labels, details.value, details.silenced.',
  },
  'alert.resolved': {
    severity: 'notice',
    description: 'A firing alert cleared; its channels received one resolved notification.',
  },
  'alert.config.changed': {
    severity: 'notice',
    description:
      'An alert rule, channel or silence was created, updated or deleted through the API: details.kind, details.change, details.before and details.after (channels as their summary, never their settings).',
  },
  'alert.notification.failed': {
    severity: 'warning',
    description:
      'An alert notification could not be delivered to a channel after its retries, or its circuit was open.',
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
