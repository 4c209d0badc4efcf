import { defineErrors } from '../errors/rampart-error.js';

export const identityErrors = defineErrors({
  invalid_credentials: {
    status: 401,
    title: 'Invalid credentials',
    description:
      'The email or password is wrong. The same answer is given whether or not the account exists.',
  },
  authentication_required: {
    status: 401,
    title: 'Authentication required',
    description: 'This endpoint needs an access token: send Authorization: Bearer <token>.',
  },
  invalid_token: {
    status: 401,
    title: 'Invalid token',
    description:
      'The access token is malformed, expired, not yet valid, or not signed by this Rampart. Log in again.',
  },
  permission_denied: {
    status: 403,
    title: 'Permission denied',
    description: 'The authenticated account does not hold a role this operation needs.',
  },
  registration_closed: {
    status: 403,
    title: 'Registration closed',
    description:
      'Self-service registration is disabled on this server; ask an administrator for an account.',
  },
  invite_required: {
    status: 403,
    title: 'Invitation required',
    description: 'Registration needs an invitation token (invite_token) on this server.',
  },
  invite_invalid: {
    status: 403,
    title: 'Invitation invalid',
    description:
      'The invitation token is unknown, already used, expired, or issued for another email.',
  },
  bootstrap_unavailable: {
    status: 403,
    title: 'Bootstrap unavailable',
    description:
      'The bootstrap token is unknown, used or expired, or an administrator already exists.',
  },
  account_exists: {
    status: 409,
    title: 'Account exists',
    description: 'An account with this email already exists.',
  },
  account_not_found: {
    status: 404,
    title: 'Account not found',
    description: 'No account has this id.',
  },
  invite_not_found: {
    status: 404,
    title: 'Invitation not found',
    description: 'No unused invitation has this id.',
  },
  password_too_short: {
    status: 422,
    title: 'Password too short',
    description:
      'The password has fewer characters than the policy minimum (12 by default). Long passphrases are welcome.',
  },
  password_too_long: {
    status: 422,
    title: 'Password too long',
    description:
      'The password exceeds the policy maximum (128 characters by default). It is never truncated.',
  },
  password_common: {
    status: 422,
    title: 'Password too common',
    description: 'The password appears in a list of common or breached passwords. Choose another.',
  },
  password_contains_email: {
    status: 422,
    title: 'Password contains email',
    description: 'The password contains the local part of the account email.',
  },
  invalid_refresh_token: {
    status: 401,
    title: 'Invalid refresh token',
    description:
      'The refresh token is unknown, expired, already used, or its session has ended. Log in again.',
  },
  mfa_required: {
    status: 401,
    title: 'MFA required',
    description:
      'The password was right; complete the sign-in at POST /v1/auth/login/mfa with the mfa_token and a code.',
  },
  mfa_enrollment_required: {
    status: 401,
    title: 'MFA enrolment required',
    description:
      'Your role requires MFA: enrol with the mfa_token (POST /v1/auth/login/mfa/enroll, then /activate) to get a session.',
  },
  mfa_token_invalid: {
    status: 401,
    title: 'MFA token invalid',
    description: 'The mfa_token is unknown, used or expired. Sign in with your password again.',
  },
  invalid_mfa_code: {
    status: 401,
    title: 'Invalid MFA code',
    description: 'The code is wrong, already used, or outside its time window.',
  },
  mfa_already_enabled: {
    status: 409,
    title: 'MFA already enabled',
    description:
      'TOTP is already on for this account. Disable it first (DELETE /v1/mfa/totp) to enrol a new authenticator.',
  },
  mfa_setup_required: {
    status: 409,
    title: 'MFA setup required',
    description: 'No TOTP enrolment is pending: start one with POST /v1/mfa/totp/setup.',
  },
  mfa_not_enabled: {
    status: 409,
    title: 'MFA not enabled',
    description: 'TOTP is not on for this account, so there is nothing to disable or renew.',
  },
  too_many_attempts: {
    status: 429,
    title: 'Too many attempts',
    description: 'Too many failed sign-ins from your network. Retry after the time in Retry-After.',
  },
  password_reset_token_invalid: {
    status: 400,
    title: 'Reset token invalid',
    description:
      'The password reset token is unknown, already used, expired, or replaced by a newer one. Request a new link.',
  },
  password_reset_rate_limited: {
    status: 429,
    title: 'Too many reset requests',
    description:
      'Too many password reset requests for this email or from your network. Retry after the time in Retry-After.',
  },
  csrf_rejected: {
    status: 403,
    title: 'Cross-site request refused',
    description:
      'An unsafe request authenticated by a session cookie must come from this origin: send Sec-Fetch-Site: same-origin (browsers do) or an Origin equal to the public URL.',
  },
  session_not_found: {
    status: 404,
    title: 'Session not found',
    description: 'No session of yours has this id.',
  },
  signing_key_unavailable: {
    status: 503,
    title: 'Signing key unavailable',
    description: 'No usable signing key is loaded; the server cannot issue tokens right now.',
  },
  account_invalid_cursor: {
    status: 400,
    title: 'Invalid cursor',
    description:
      'The cursor is not one this server issued for the account list. Start again without a cursor.',
  },
  last_admin: {
    status: 409,
    title: 'Last administrator',
    description:
      'The change would leave no active account holding ADMIN (directly or through an assignment). Give another account ADMIN first.',
  },
  account_self_lock: {
    status: 409,
    title: 'Cannot lock yourself',
    description: 'An administrator cannot lock their own account; ask another administrator.',
  },
});

export type IdentityErrorCode = keyof typeof identityErrors;
