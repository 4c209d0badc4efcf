import type { RoleName } from '../../config/schema.js';
import { roleNames } from '../../config/schema.js';
import { type AccessTokenClaims, accessTokenType } from './access-tokens.js';
import type { SigningKeyRing } from './signing-key-ring.js';
import { rejectToken } from './token-rejection.js';
import { assertClockTolerance, type SignedJwtKey, verifySignedJwt } from './verify-signed-jwt.js';

export type { TokenRejection } from './token-rejection.js';

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

// RFC 9068 §2.2 requires these; `nbf` too because we always set it and check it.
const requiredClaims = ['iss', 'aud', 'sub', 'iat', 'nbf', 'exp', 'jti'] as const;
// Our kids are 43-character thumbprints or 22-character random ids; a longer one is
// not ours, and need not cost a lookup or a reload.
const maxKidLength = 128;
const knownRoles = new Set<string>(roleNames);

/**
 * The cache's key for a token: its last characters, part of its signature. Hashing a
 * whole token of several hundred characters (a fresh string on every request) for a Map
 * lookup cost about a microsecond; the entry found is then used only if its text equals
 * the presented token, so a token is never mistaken for another.
 */
function cacheKeyOf(token: string): string {
  return token.slice(-24);
}

interface CachedToken {
  /** The token's whole text: only this exact text has these claims. */
  token: string;
  claims: AccessTokenClaims;
  /** The key that verified the signature. */
  kid: string;
}

/**
 * Verifies Rampart access tokens.
 *
 * The checks themselves (RFC 8725: header allowlist, exact key algorithm, signature
 * before claims, then `iss`, `aud`, `typ`, `exp`, `nbf`) are in verify-signed-jwt.ts.
 * This class adds what is particular to our tokens: the key is looked up by exact `kid`
 * among our own keys only, and the claims are shaped into {@link AccessTokenClaims}.
 *
 * A signature check costs 100–300 µs, so verified tokens are remembered by their exact
 * text: a cached token skips only the signature (its bytes were already proven), while
 * `exp`/`nbf` and the signing key's verify window are checked again on every use. The
 * cache is also emptied whenever the key set changes, so a removed key stops verifying
 * at once.
 */
export class AccessTokenVerifier {
  readonly #options: AccessTokenVerifierOptions;
  readonly #now: () => number;
  readonly #cacheSize: number;
  readonly #cache = new Map<string, CachedToken>();

  constructor(options: AccessTokenVerifierOptions) {
    assertClockTolerance(options.clockTolerance);
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
    if (claims.exp <= now - tolerance) throw rejectToken('expired');
    if (claims.nbf > now + tolerance) throw rejectToken('not_yet_valid');
  }

  /**
   * The claims of a token already verified and still valid (its key and its time window
   * checked again), without a promise; undefined for any other token, which only
   * {@link verify} can judge.
   */
  verifyCachedNow(token: string): AccessTokenClaims | undefined {
    const cached = this.#cache.get(cacheKeyOf(token));
    if (cached === undefined || cached.token !== token) return undefined;
    if (!this.#options.ring.verificationKey(cached.kid)) return undefined;
    const now = this.#now() / 1000;
    const tolerance = this.#options.clockTolerance;
    const claims = cached.claims;
    if (claims.exp <= now - tolerance || claims.nbf > now + tolerance) return undefined;
    return claims;
  }

  /** @throws {RampartError} `invalid_token`, with the precise reason in `context.reason`. */
  async verify(token: string): Promise<AccessTokenClaims> {
    const key = cacheKeyOf(token);
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.token === token) {
      // A retired key's window can end between two reloads of the ring, which is when
      // the cache would otherwise be cleared; a token that outlives its key must not
      // outlive it here. A Map lookup, far cheaper than the signature it saves.
      if (this.#options.ring.verificationKey(cached.kid)) {
        this.#checkTime(cached.claims);
        return cached.claims;
      }
      this.#cache.delete(key);
    }
    const { header, payload } = await verifySignedJwt(token, {
      algorithms: this.#options.ring.algorithms(),
      resolveKey: ({ kid }) => this.#resolveKey(kid),
      issuer: this.#options.issuer,
      audience: this.#options.audience,
      typ: accessTokenType,
      clockTolerance: this.#options.clockTolerance,
      currentDate: new Date(this.#now()),
      requiredClaims,
    });
    const claims = this.#toClaims(payload);
    this.#checkTime(claims);
    if (this.#cache.size >= this.#cacheSize) {
      // Evict the oldest insertion: cheap, and every entry expires within one token TTL.
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    // #resolveKey accepted only a string kid, so the header's kid is the key's.
    // Another verified token with the same last characters (never seen) would only take
    // this entry's place.
    this.#cache.set(key, { token, claims, kid: String(header.kid) });
    return claims;
  }

  /**
   * Our tokens always carry a `kid`, and it is only ever a key in a map of keys we hold:
   * never a path, URL or query (RFC 8725 §3.10). An unknown kid may be a key another
   * node just made, so the ring is re-read, but at most once per interval.
   */
  async #resolveKey(kid: unknown): Promise<SignedJwtKey | undefined> {
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > maxKidLength) return undefined;
    const ring = this.#options.ring;
    let key = ring.verificationKey(kid);
    if (!key && (await ring.reloadForUnknownKid())) key = ring.verificationKey(kid);
    return key && { key: key.verifyKey, algorithm: key.algorithm };
  }

  #toClaims(payload: Record<string, unknown>): AccessTokenClaims {
    const { iss, aud, sub, iat, nbf, exp, jti, roles, amr, auth_time: authTime, sid } = payload;
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
      throw rejectToken('claim_mismatch');
    }
    const claims: AccessTokenClaims = { iss, aud, sub, iat, nbf, exp, jti, roles };
    if (Array.isArray(amr) && amr.every((m) => typeof m === 'string')) claims.amr = amr;
    if (typeof authTime === 'number') claims.auth_time = authTime;
    if (typeof sid === 'string') claims.sid = sid;
    return Object.freeze(claims);
  }
}
