import { RampartError } from '../../errors/rampart-error.js';
import { identityErrors } from '../errors.js';

/**
 * Why a token was refused. The client only ever sees `invalid_token` (RFC 6750 §3.1);
 * the precise reason goes to `context.reason`, which reaches the logs and the audit
 * trail but never the response.
 */
export type TokenRejection =
  | 'malformed'
  | 'forbidden_header'
  | 'algorithm_not_allowed'
  | 'wrong_type'
  | 'unknown_kid'
  | 'algorithm_mismatch'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'claim_mismatch';

/** The `invalid_token` error for `reason`, with the RFC 6750 §3 challenge header. */
export function rejectToken(reason: TokenRejection, cause?: unknown): RampartError {
  return new RampartError(identityErrors.invalid_token, {
    context: { reason },
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    cause,
  });
}
