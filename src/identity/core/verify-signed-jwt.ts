import {
  type CryptoKey,
  decodeProtectedHeader,
  type JWTHeaderParameters,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
  type ProtectedHeaderParameters,
} from 'jose';
import { rejectToken } from './token-rejection.js';

/** A verification key and the one algorithm it may be used with. */
export interface SignedJwtKey {
  /** The public key, or the shared secret for HMAC. */
  key: CryptoKey | Uint8Array;
  algorithm: string;
}

/**
 * Finds the key for a token from its (unauthenticated) header. Must look only among keys
 * the caller already holds: nothing in the header may be fetched, opened or trusted.
 * Returning `undefined` rejects the token as `unknown_kid`.
 */
export type SignedJwtKeyResolver = (
  header: Readonly<ProtectedHeaderParameters>,
) => SignedJwtKey | undefined | Promise<SignedJwtKey | undefined>;

export interface VerifySignedJwtOptions {
  resolveKey: SignedJwtKeyResolver;
  /** The `alg` values accepted at all, checked before any key is looked up. */
  algorithms: ReadonlySet<string> | readonly string[];
  issuer?: string;
  audience?: string;
  /** The exact `typ` header required (RFC 8725 §3.11); not checked when omitted. */
  typ?: string;
  /** Seconds of accepted clock skew on `exp`/`nbf`, 0 to 60. */
  clockTolerance?: number;
  currentDate?: Date;
  /** Claims that must be present (RFC 8725 §3.9). */
  requiredClaims?: readonly string[];
}

export interface VerifiedJwt {
  header: JWTHeaderParameters;
  payload: JWTPayload;
}

export const maxClockTolerance = 60;

/**
 * Throws unless `seconds` is a clock tolerance we accept: finite, 0 to 60. NaN would
 * pass a plain `> 60` test and later fail every token inside jose.
 */
export function assertClockTolerance(seconds: number): void {
  if (!(Number.isFinite(seconds) && seconds >= 0 && seconds <= maxClockTolerance))
    throw new RangeError(`clockTolerance must be 0 to ${maxClockTolerance} seconds`);
}

// Headers that point at or carry keys from elsewhere (RFC 7515 §4.1.2–4.1.6): honouring
// one lets the token choose the key that verifies it (RFC 8725 §3.10). We hold our keys
// ourselves, so a token carrying one is refused outright rather than ignored.
const forbiddenHeaders = ['jku', 'jwk', 'x5u', 'x5c', 'x5t', 'x5t#S256'];
// Far above any token we issue; bounds the work an attacker can make us do.
const maxTokenLength = 8192;

function mapJoseError(error: unknown) {
  if (error instanceof joseErrors.JWTExpired) return rejectToken('expired', error);
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    // Only a failed time check is "not yet valid"; an absent or non-numeric nbf is a
    // bad claim set, and must not read as clock skew in the audit trail.
    const early = error.claim === 'nbf' && error.reason === 'check_failed';
    return rejectToken(early ? 'not_yet_valid' : 'claim_mismatch', error);
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return rejectToken('bad_signature', error);
  if (error instanceof joseErrors.JOSEAlgNotAllowed)
    return rejectToken('algorithm_not_allowed', error);
  return rejectToken('malformed', error);
}

/**
 * Verifies a JWS-signed JWT in compact serialization, following RFC 8725 §3: the header
 * is screened before any key is touched, the key comes only from `resolveKey`, the key's
 * own algorithm must equal the header's, and the signature is verified (by jose) before
 * any claim is trusted; then `iss`, `aud`, `typ`, `exp` and `nbf` are checked exactly.
 *
 * @throws {RampartError} `invalid_token`, with the precise reason in `context.reason`.
 * @example
 * const { payload } = await verifySignedJwt(token, {
 *   algorithms: ['EdDSA'],
 *   resolveKey: (header) => (header.kid === kid ? { key: publicKey, algorithm: 'EdDSA' } : undefined),
 *   issuer: 'https://auth.example.com',
 *   audience: 'https://api.example.com',
 *   typ: 'at+jwt',
 * });
 */
export async function verifySignedJwt(
  token: string,
  options: VerifySignedJwtOptions,
): Promise<VerifiedJwt> {
  const tolerance = options.clockTolerance ?? 0;
  assertClockTolerance(tolerance);
  // A JWS in compact serialization has exactly three parts (RFC 7515 §7.1); five would
  // be a JWE, which we never accept in place of a signature.
  if (token.length > maxTokenLength || token.split('.').length !== 3)
    throw rejectToken('malformed');
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch (error) {
    throw rejectToken('malformed', error);
  }
  if (forbiddenHeaders.some((name) => name in header)) throw rejectToken('forbidden_header');
  // We implement no extension, so any `crit` must be refused (RFC 7515 §4.1.11).
  if (header.crit !== undefined) throw rejectToken('forbidden_header');
  // An allowlist, compared exactly: `none` and its case variants, and any algorithm we
  // hold no key for, never reach the key lookup (RFC 8725 §3.1, §3.2).
  if (typeof header.alg !== 'string' || !isAllowed(options.algorithms, header.alg))
    throw rejectToken('algorithm_not_allowed');
  if (options.typ !== undefined && normalizeTyp(header.typ) !== normalizeTyp(options.typ)) {
    throw rejectToken('wrong_type');
  }
  const resolved = await options.resolveKey(header);
  if (!resolved) throw rejectToken('unknown_kid');
  // Each key verifies under its own algorithm only, so an RSA public key can never be
  // used as an HMAC secret (RS256→HS256 confusion, RFC 8725 §2.1, §3.1).
  if (resolved.algorithm !== header.alg) throw rejectToken('algorithm_mismatch');

  try {
    const result = await jwtVerify(token, resolved.key, {
      algorithms: [resolved.algorithm],
      issuer: options.issuer,
      audience: options.audience,
      typ: options.typ,
      clockTolerance: tolerance,
      currentDate: options.currentDate,
      requiredClaims: options.requiredClaims ? [...options.requiredClaims] : undefined,
    });
    return { header: result.protectedHeader, payload: result.payload };
  } catch (error) {
    throw mapJoseError(error);
  }
}

function isAllowed(algorithms: ReadonlySet<string> | readonly string[], alg: string): boolean {
  return 'has' in algorithms ? algorithms.has(alg) : algorithms.includes(alg);
}

/**
 * RFC 7515 §4.1.9: a `typ` without a `/` means `application/<typ>`, and media types are
 * case-insensitive; RFC 9068 §2.1 accepts both `at+jwt` and `application/at+jwt`.
 */
function normalizeTyp(typ: unknown): string | undefined {
  if (typeof typ !== 'string') return undefined;
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}
