import { defineErrors } from '../../errors/rampart-error.js';

/** Errors of social login (OAuth 2.0 / OpenID Connect providers and linked identities). */
export const oauthErrors = defineErrors({
  oauth_provider_not_found: {
    status: 404,
    title: 'Login provider not found',
    description: 'No enabled social login provider has this id.',
  },
  oauth_provider_unavailable: {
    status: 502,
    title: 'Login provider unavailable',
    description:
      "The provider's discovery document or keys could not be fetched, or are invalid. Try again later; operators see the cause in the log.",
  },
  oauth_provider_invalid: {
    status: 422,
    title: 'Provider settings invalid',
    description:
      'The provider settings are incomplete or unsafe: oidc needs an issuer, and every URL must be https:// (http:// only on a loopback address).',
  },
  oauth_provider_exists: {
    status: 409,
    title: 'Provider exists',
    description:
      'A provider with this id exists already (in the config file or added through the API).',
  },
  oauth_provider_read_only: {
    status: 409,
    title: 'Provider from configuration',
    description: 'This provider comes from the config file; change it there.',
  },
  oauth_provider_sole_sign_in: {
    status: 409,
    title: 'Provider is the only sign-in method of some accounts',
    description:
      'Some accounts have no password and no other linked provider: removing this provider would lock them out. `accounts` says how many; repeat with ?force=true to remove it anyway (audited).',
  },
  oauth_return_invalid: {
    status: 400,
    title: 'Return path invalid',
    description: 'return must be a path on this origin, starting with a single /.',
  },
  oauth_state_invalid: {
    status: 400,
    title: 'Login state invalid',
    description:
      'The sign-in response does not belong to a sign-in started in this browser, or it expired or was used. Start the sign-in again.',
  },
  oauth_access_denied: {
    status: 403,
    title: 'Access denied at the provider',
    description: 'The sign-in was cancelled or consent was refused at the provider.',
  },
  oauth_provider_error: {
    status: 400,
    title: 'Provider error',
    description: 'The provider answered the sign-in with an error. Start the sign-in again.',
  },
  oauth_code_reused: {
    status: 400,
    title: 'Authorization code reused',
    description:
      'This authorization code was presented before; a code is used once. Start the sign-in again.',
  },
  oauth_issuer_mismatch: {
    status: 401,
    title: 'Issuer mismatch',
    description:
      'The response or ID token was issued by another issuer than the provider the sign-in started with (a mix-up).',
  },
  oauth_nonce_mismatch: {
    status: 401,
    title: 'Nonce mismatch',
    description: 'The ID token was not issued for this sign-in (its nonce differs).',
  },
  oauth_token_invalid: {
    status: 401,
    title: 'Provider token invalid',
    description:
      "The provider's ID token or answer failed validation (signature, audience, expiry or shape).",
  },
  oauth_exchange_failed: {
    status: 502,
    title: 'Code exchange failed',
    description:
      'The provider refused the authorization code or could not be reached. Start the sign-in again.',
  },
  oauth_email_unverified: {
    status: 403,
    title: 'Email not verified',
    description:
      'The provider does not vouch for an email address of this identity (none, or not verified). It cannot sign in to or create an account: verify the email at the provider, or link it from a signed-in session.',
  },
  oauth_signup_disabled: {
    status: 403,
    title: 'Sign-up disabled',
    description:
      'No account has this email, and accounts are not created by social login on this server (oauth.allowSignup, registration.mode).',
  },
  oauth_account_disabled: {
    status: 403,
    title: 'Account disabled',
    description: 'The account linked to this identity is disabled.',
  },
  oauth_identity_in_use: {
    status: 409,
    title: 'Identity linked to another account',
    description:
      'This provider identity is already linked to another account; unlink it there first.',
  },
  oauth_identity_not_found: {
    status: 404,
    title: 'Identity not found',
    description: 'No identity of yours has this id.',
  },
  oauth_last_sign_in_method: {
    status: 409,
    title: 'Last way to sign in',
    description:
      'Unlinking this identity would leave the account without a way to sign in: set a password or link another identity first.',
  },
  oauth_code_invalid: {
    status: 400,
    title: 'One-time code invalid',
    description: 'The one-time sign-in code is unknown, used or expired. Sign in again.',
  },
});

export type OAuthErrorCode = keyof typeof oauthErrors;
