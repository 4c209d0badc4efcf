import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { RoleName } from '../../config/schema.js';
import { RampartError } from '../../errors/rampart-error.js';
import { identityErrors } from '../errors.js';
import type { SigningKeyRing } from './signing-key-ring.js';

/** The claims of a Rampart access token (RFC 9068 profile, plus `roles`). */
export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  roles: RoleName[];
  /** Authentication methods (RFC 8176): `pwd`, later `otp`, `mfa`. */
  amr?: string[];
  /** When the user last authenticated (seconds). */
  auth_time?: number;
  /** The session the token belongs to: revoking the session revokes the token. */
  sid?: string;
}

export interface IssueAccessTokenInput {
  subject: string;
  roles: readonly RoleName[];
  amr?: readonly string[];
  authTime?: number;
  sessionId?: string;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresIn: number;
  expiresAt: number;
}

export interface AccessTokenIssuerOptions {
  ring: SigningKeyRing;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  now?: () => number;
}

export const accessTokenType = 'at+jwt';

export class AccessTokenIssuer {
  readonly #options: AccessTokenIssuerOptions;
  readonly #now: () => number;

  constructor(options: AccessTokenIssuerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Signs an access token with the current key.
   *
   * @example
   * const { token, expiresIn } = await issuer.issue({ subject: account.id, roles: account.roles, amr: ['pwd'] });
   */
  async issue(input: IssueAccessTokenInput): Promise<IssuedAccessToken> {
    const key = this.#options.ring.current();
    if (!key) throw new RampartError(identityErrors.signing_key_unavailable);
    const iat = Math.floor(this.#now() / 1000);
    const exp = iat + this.#options.ttlSeconds;
    const jti = randomBytes(16).toString('base64url');
    const claims: Record<string, unknown> = { roles: [...input.roles] };
    if (input.amr) claims.amr = [...input.amr];
    if (input.authTime !== undefined) claims.auth_time = input.authTime;
    if (input.sessionId !== undefined) claims.sid = input.sessionId;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: key.algorithm, kid: key.kid, typ: accessTokenType })
      .setIssuer(this.#options.issuer)
      .setAudience(this.#options.audience)
      .setSubject(input.subject)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(key.signKey);
    return { token, jti, expiresIn: this.#options.ttlSeconds, expiresAt: exp };
  }
}
