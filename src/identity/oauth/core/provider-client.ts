import * as client from 'openid-client';
import { isLoopbackUrl, type OAuthProvider } from './providers.js';

/** What Rampart learns of a person from a provider. */
export interface ProviderProfile {
  /** The provider's stable id of the person (`sub`, GitHub's numeric id). */
  subject: string;
  email: string | null;
  /** True only when the provider vouches for `email`. */
  emailVerified: boolean;
  name: string | null;
}

export type OAuthFailureReason =
  | 'issuer_mismatch'
  | 'nonce_mismatch'
  | 'token_invalid'
  | 'exchange_failed'
  | 'provider_unavailable';

/** A refused provider answer, with the reason the audit trail records. */
export class OAuthFailure extends Error {
  constructor(
    readonly reason: OAuthFailureReason,
    options?: { cause?: unknown },
  ) {
    super(`social login failed: ${reason}`, options);
    this.name = 'OAuthFailure';
  }
}

export interface AuthorizationChecks {
  state: string;
  codeVerifier: string;
  /** Absent for plain OAuth 2.0 (GitHub). */
  nonce?: string;
}

const discoveryTtlMs = 3_600_000;

/**
 * The OAuth 2.0 / OpenID Connect client side of social login, on openid-client: discovery,
 * PKCE S256, state and nonce checks, the code exchange, ID-token validation (exact `iss`,
 * `aud`, `nonce`, and the signature through the provider's JWKS), and GitHub's user API.
 */
export class ProviderClient {
  readonly #configs = new Map<
    string,
    { config: Promise<client.Configuration>; expiresAt: number }
  >();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  #configuration(p: OAuthProvider): Promise<client.Configuration> {
    const key = `${p.id}:${p.version}`;
    const cached = this.#configs.get(key);
    if (cached && cached.expiresAt > this.#now()) return cached.config;
    const config = this.#build(p);
    this.#configs.set(key, { config, expiresAt: this.#now() + discoveryTtlMs });
    // A failed discovery is not cached: the next sign-in tries again.
    config.catch(() => this.#configs.delete(key));
    return config;
  }

  async #build(p: OAuthProvider): Promise<client.Configuration> {
    const metadata = { client_secret: p.clientSecret, redirect_uris: [p.callbackUrl] };
    if (p.github) {
      const config = new client.Configuration(
        {
          issuer: p.github.authorizationUrl,
          authorization_endpoint: p.github.authorizationUrl,
          token_endpoint: p.github.tokenUrl,
        },
        p.clientId,
        metadata,
      );
      if (isLoopbackUrl(p.github.tokenUrl)) client.allowInsecureRequests(config);
      return config;
    }
    const issuer = p.issuer as string;
    try {
      const config = await client.discovery(new URL(issuer), p.clientId, metadata, undefined, {
        execute: isLoopbackUrl(issuer) ? [client.allowInsecureRequests] : [],
      });
      // Verify ID-token signatures against the provider's JWKS even over TLS: a token is
      // accepted only if this issuer signed it.
      client.enableNonRepudiationChecks(config);
      return config;
    } catch (error) {
      throw new OAuthFailure('provider_unavailable', { cause: error });
    }
  }

  /** Drops cached discovery results of a provider (its settings changed or it was removed). */
  forget(providerId: string): void {
    for (const key of this.#configs.keys())
      if (key.startsWith(`${providerId}:`)) this.#configs.delete(key);
  }

  /** The provider's authorization URL for a new sign-in (authorization code + PKCE S256). */
  async authorizationUrl(p: OAuthProvider, checks: AuthorizationChecks): Promise<URL> {
    const config = await this.#configuration(p);
    const params: Record<string, string> = {
      redirect_uri: p.callbackUrl,
      scope: p.scopes.join(' '),
      state: checks.state,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    };
    if (checks.nonce) params.nonce = checks.nonce;
    return client.buildAuthorizationUrl(config, params);
  }

  /** Validates the callback, exchanges the code and reads the person's profile. */
  async complete(
    p: OAuthProvider,
    callbackUrl: URL,
    checks: AuthorizationChecks,
  ): Promise<ProviderProfile> {
    const config = await this.#configuration(p);
    // RFC 9207: an `iss` in the response must name the issuer the sign-in started with.
    const iss = callbackUrl.searchParams.get('iss');
    if (iss !== null && p.issuer !== undefined && iss !== p.issuer)
      throw new OAuthFailure('issuer_mismatch');
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        ...(checks.nonce ? { expectedNonce: checks.nonce, idTokenExpected: true } : {}),
      });
    } catch (error) {
      throw classify(error);
    }
    if (p.github) return githubProfile(p.github.apiUrl, tokens.access_token);
    const claims = tokens.claims();
    if (!claims) throw new OAuthFailure('token_invalid');
    let source: Record<string, unknown> = claims;
    if (typeof claims.email !== 'string') {
      // Providers may keep email claims for the UserInfo endpoint (OIDC Core §5.4).
      try {
        source = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      } catch (error) {
        throw classify(error);
      }
    }
    return {
      subject: claims.sub,
      email: typeof source.email === 'string' ? source.email : null,
      // Only a literal true counts; some providers send the string "true".
      emailVerified: source.email_verified === true || source.email_verified === 'true',
      name: typeof source.name === 'string' ? source.name : null,
    };
  }
}

function classify(error: unknown): OAuthFailure {
  if (error instanceof OAuthFailure) return error;
  // openid-client wraps oauth4webapi's error (`cause`), whose own cause holds the details.
  const e = error as { code?: unknown; cause?: { claim?: unknown; cause?: object } };
  const details = (e.cause?.cause ?? e.cause ?? {}) as { claim?: unknown; signature?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED') {
    if (details.claim === 'iss') return new OAuthFailure('issuer_mismatch', { cause: error });
    if (details.claim === 'nonce') return new OAuthFailure('nonce_mismatch', { cause: error });
    return new OAuthFailure('token_invalid', { cause: error });
  }
  if (
    (code === 'OAUTH_INVALID_RESPONSE' && 'signature' in details) ||
    code.startsWith('OAUTH_JWT') ||
    code === 'OAUTH_KEY_SELECTION_FAILED'
  )
    return new OAuthFailure('token_invalid', { cause: error });
  return new OAuthFailure('exchange_failed', { cause: error });
}

interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/** GitHub is OAuth 2.0 without ID tokens: the person comes from GET /user and /user/emails. */
async function githubProfile(apiUrl: string, accessToken: string): Promise<ProviderProfile> {
  const get = async (path: string): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(`${apiUrl}${path}`, {
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${accessToken}`,
          'x-github-api-version': '2022-11-28',
          'user-agent': 'Rampart',
        },
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new OAuthFailure('exchange_failed', { cause: error });
    }
    if (!response.ok)
      throw new OAuthFailure('exchange_failed', {
        cause: new Error(`GitHub ${path}: ${response.status}`),
      });
    return response.json();
  };
  const user = (await get('/user')) as { id?: unknown; name?: unknown; login?: unknown };
  if (typeof user.id !== 'number' && typeof user.id !== 'string')
    throw new OAuthFailure('token_invalid');
  const emails = await get('/user/emails');
  const list = Array.isArray(emails) ? (emails as GitHubEmail[]) : [];
  // The primary address only, and only when GitHub has verified it.
  const primary = list.find((e) => e && e.primary === true && typeof e.email === 'string');
  return {
    subject: String(user.id),
    email: primary ? primary.email : null,
    emailVerified: primary?.verified === true,
    name:
      typeof user.name === 'string'
        ? user.name
        : typeof user.login === 'string'
          ? user.login
          : null,
  };
}
