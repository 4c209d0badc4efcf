import { defineErrors } from '../errors/rampart-error.js';

/** Errors of API keys, service accounts and token introspection. */
export const apiKeyErrors = defineErrors({
  invalid_api_key: {
    status: 401,
    title: 'Invalid API key',
    description:
      'The API key is malformed (its checksum fails: a typo or a truncated copy), unknown, revoked, expired, past its rotation grace, or its owner is disabled.',
  },
  api_key_source_denied: {
    status: 403,
    title: 'API key not allowed from this address',
    description:
      "The API key is valid but restricted to networks (allowedCidrs) that do not include the caller's address.",
  },
  api_key_in_url: {
    status: 400,
    title: 'API key in URL',
    description:
      'An API key was sent in the URL query. URLs end up in logs, proxies and browser history, so keys are refused there: send it as Authorization: Bearer <key> or X-API-Key, and rotate the exposed key.',
  },
  ambiguous_credentials: {
    status: 400,
    title: 'Ambiguous credentials',
    description: 'Both Authorization and X-API-Key were sent; send exactly one credential.',
  },
  signature_invalid: {
    status: 401,
    title: 'Signature invalid',
    description:
      'The request signature (X-Key-Id, X-Timestamp, X-Nonce, X-Signature, or RFC 9421 Signature-Input and Signature) is missing a part, malformed, leaves the method, target or body uncovered, or does not match this request: sign method, path, query, timestamp, nonce and the body digest exactly as sent.',
  },
  signature_expired: {
    status: 401,
    title: 'Signature expired',
    description:
      "X-Timestamp is further from the server's clock than apiKeys.signatureMaxSkew allows (300 s by default). Check the client clock and sign each request when it is sent.",
  },
  signature_replayed: {
    status: 401,
    title: 'Signature replayed',
    description:
      'This nonce was already used with this key: a signed request works once. Sign every request with a new nonce.',
  },
  signature_required: {
    status: 401,
    title: 'Signature required',
    description:
      'This endpoint accepts only signed requests: sign it with the API key signing secret (see signRequest).',
  },
  user_token_required: {
    status: 403,
    title: 'User token required',
    description:
      'This endpoint acts for a person: call it with an access token from login, not an API key.',
  },
  scope_not_allowed: {
    status: 403,
    title: 'Scope not allowed',
    description:
      'A requested API key scope is not among the permissions of the key owner; a key can never hold more than its owner.',
  },
  invalid_cidr: {
    status: 400,
    title: 'Invalid CIDR',
    description: 'An entry of allowedCidrs is not an IPv4 or IPv6 network such as 203.0.113.0/24.',
  },
  invalid_expiry: {
    status: 400,
    title: 'Invalid expiry',
    description: 'expiresAt must be a date-time in the future.',
  },
  api_key_not_found: {
    status: 404,
    title: 'API key not found',
    description: 'No API key you can manage has this id.',
  },
  api_key_not_rotatable: {
    status: 409,
    title: 'API key cannot be rotated',
    description: 'The key is revoked, expired or already rotated; rotate its replacement instead.',
  },
  api_key_limit_reached: {
    status: 409,
    title: 'API key limit reached',
    description:
      'The owner already holds the maximum number of live API keys (apiKeys.maxPerOwner); revoke unused ones.',
  },
  service_account_not_found: {
    status: 404,
    title: 'Service account not found',
    description: 'No enabled service account has this id.',
  },
  service_account_exists: {
    status: 409,
    title: 'Service account exists',
    description: 'A service account with this name already exists.',
  },
});
