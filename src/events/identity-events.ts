import type { EventTypeCatalog } from './security-event.js';

/**
 * The identity events of the security event catalog (security-event.ts): accounts, API
 * keys, service accounts, sign-in, sessions and passwords.
 */

/** Accounts: created, their roles changed, deleted. */
export const accountEvents = {
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
} as const satisfies EventTypeCatalog;

/** API keys and the requests signed with them. */
export const apiKeyEvents = {
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
} as const satisfies EventTypeCatalog;

/** Service accounts. */
export const serviceAccountEvents = {
  'service_account.created': { severity: 'notice', description: 'A service account was created.' },
  'service_account.disabled': {
    severity: 'notice',
    description: 'A service account was disabled and its keys revoked.',
  },
} as const satisfies EventTypeCatalog;

/** Signing in: password and social logins, the bootstrap token, invitations, signing keys, refreshes, lockouts and MFA. */
export const signInEvents = {
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
} as const satisfies EventTypeCatalog;

/** Sessions. */
export const sessionEvents = {
  'session.created': { severity: 'info', description: 'A new session was created.' },
  'session.revoked': {
    severity: 'notice',
    description: 'A session was revoked (by its owner, an admin or a rule).',
  },
  'session.fingerprint.changed': {
    severity: 'warning',
    description: 'A session was refreshed from another user-agent family or IP network.',
  },
} as const satisfies EventTypeCatalog;

/** Password changes and resets. */
export const passwordEvents = {
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
} as const satisfies EventTypeCatalog;
