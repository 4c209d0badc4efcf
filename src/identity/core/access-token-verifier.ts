import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { RoleName } from '../../config/schema.js';
import { roleNames } from '../../config/schema.js';
import { RampartError } from '../../errors/rampart-error.js';
import { identityErrors } from '../errors.js';
import { type AccessTokenClaims, accessTokenType } from './access-tokens.js';
import type { SigningKeyRing } from './signing-key-ring.js';

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

export interface AccessTokenVerifierOptions {
  ring: SigningKeyRing;
  issuer: string;
  audience: string;
  /** Seconds of accepted clock skew on exp/nbf (at most 60). */
  clockTolerance: number;
  /** Verified tokens remembered; default 10,000. */
  cacheSize?: number;
  now?: () => number;
}

// Headers that point at keys elsewhere (RFC 7515 §4.1.2-6). We never fetch or trust
// them; a token carrying one was not minted by Rampart, so it is refused outright.
const forbiddenHeaders = ['jku', 'jwk', 'x5u', 'x5c', 'x5t', 'x5t#S256'];
const maxTokenLength = 8192;
const knownRoles = new Set<string>(roleNames);

function reject(reason: TokenRejection, cause?: unknown): RampartError {
  return new RampartError(identityErrors.invalid_token, {
    context: { reason },
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    cause,
  });
}

function mapJoseError(error: unknown): RampartError {
  if (error instanceof joseErrors.JWTExpired) return reject('expired', error);
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return reject(error.claim === 'nbf' ? 'not_yet_valid' : 'claim_mismatch', error);
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return reject('bad_signature', error);
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return reject('algorithm_not_allowed', error);
  return reject('malformed', error);
}

/**
 * Verifies Rampart access tokens.
 *
 * Order matters (RFC 8725): the header is checked against an allowlist, the key is
 * looked up by exact `kid` among our own keys and its algorithm must equal the header's
 * (no RS256→HS256 confusion), the signature is verified (by jose) before any claim is
 * read, then `iss`, `aud`, `typ`, `exp` and `nbf` are checked exactly.
 *
 * A signature check costs 100–300 µs, so verified tokens are remembered by their exact
 * text: a cached token skips only the signature (its bytes were already proven), while
 * `exp`/`nbf` are checked again on every use. The cache is emptied whenever the key set
 * changes, so a removed key stops verifying at once.
 */
export class AccessTokenVerifier {
  readonly #options: AccessTokenVerifierOptions;
  readonly #now: () => number;
  readonly #cacheSize: number;
  readonly #cache = new Map<string, AccessTokenClaims>();

  constructor(options: AccessTokenVerifierOptions) {
    if (options.clockTolerance > 60) throw new Error('clockTolerance may not exceed 60 seconds');
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#cacheSize = options.cacheSize ?? 10_000;
  }

  /** Forget every verified token (called when the signing keys change). */
  clearCache(): void {
    this.#cache.clear();
  }

  #checkTime(claims: AccessTokenClaims): void {
    const now = this.#now() / 1000;
    const tolerance = this.#options.clockTolerance;
    if (claims.exp <= now - tolerance) throw reject('expired');
    if (claims.nbf > now + tolerance) throw reject('not_yet_valid');
  }

  /** @throws {RampartError} `invalid_token`, with the precise reason in `context.reason`. */
  async verify(token: string): Promise<AccessTokenClaims> {
    const cached = this.#cache.get(token);
    if (cached) {
      this.#checkTime(cached);
      return cached;
    }
    if (token.length > maxTokenLength || token.split('.').length !== 3) throw reject('malformed');
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch (error) {
      throw reject('malformed', error);
    }
    if (forbiddenHeaders.some((h) => h in header)) throw reject('forbidden_header');
    if (header.crit !== undefined) throw reject('forbidden_header');
    if (typeof header.alg !== 'string' || !this.#options.ring.algorithms().has(header.alg)) {
      throw reject('algorithm_not_allowed');
    }
    if (header.typ !== accessTokenType) throw reject('wrong_type');
    if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 128)
      throw reject('unknown_kid');
    let key = this.#options.ring.verificationKey(header.kid);
    if (!key && (await this.#options.ring.reloadForUnknownKid()))
      key = this.#options.ring.verificationKey(header.kid);
    if (!key) throw reject('unknown_kid');
    if (key.algorithm !== header.alg) throw reject('algorithm_mismatch');

    let payload: Record<string, unknown>;
    try {
      const result = await jwtVerify(token, key.verifyKey, {
        algorithms: [key.algorithm],
        issuer: this.#options.issuer,
        audience: this.#options.audience,
        typ: accessTokenType,
        clockTolerance: this.#options.clockTolerance,
        currentDate: new Date(this.#now()),
        requiredClaims: ['iss', 'aud', 'sub', 'iat', 'nbf', 'exp', 'jti'],
      });
      payload = result.payload as Record<string, unknown>;
    } catch (error) {
      throw mapJoseError(error);
    }
    const claims = this.#toClaims(payload);
    this.#checkTime(claims);
    if (this.#cache.size >= this.#cacheSize) {
      // Evict the oldest insertion: cheap, and every entry expires within one token TTL.
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(token, claims);
    return claims;
  }

  #toClaims(payload: Record<string, unknown>): AccessTokenClaims {
    const { iss, aud, sub, iat, nbf, exp, jti, roles, amr, auth_time: authTime } = payload;
    if (
      typeof iss !== 'string' ||
      typeof aud !== 'string' ||
      typeof sub !== 'string' ||
      typeof iat !== 'number' ||
      typeof nbf !== 'number' ||
      typeof exp !== 'number' ||
      typeof jti !== 'string' ||
      !Array.isArray(roles) ||
      !roles.every((r): r is RoleName => typeof r === 'string' && knownRoles.has(r))
    ) {
      throw reject('claim_mismatch');
    }
    const claims: AccessTokenClaims = { iss, aud, sub, iat, nbf, exp, jti, roles };
    if (Array.isArray(amr) && amr.every((m) => typeof m === 'string')) claims.amr = amr;
    if (typeof authTime === 'number') claims.auth_time = authTime;
    return Object.freeze(claims);
  }
}
