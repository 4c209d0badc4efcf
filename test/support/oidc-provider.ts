import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/** A person the test provider knows; `login` is what the sign-in form is filled with. */
export interface OidcTestUser {
  login: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
}

export interface OidcTestProvider {
  /** http://127.0.0.1:<port> — the exact issuer of its ID tokens. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * Follows an authorization URL through the provider as a browser would: signs in as
   * `login`, then accepts (or aborts) consent. Resolves with the URL the provider
   * redirects to on the client's side (the callback, with code or error).
   */
  authorize(url: string, options: { login: string; consent?: 'accept' | 'abort' }): Promise<URL>;
  close(): Promise<void>;
}

/**
 * A real OpenID Provider (the `oidc-provider` package, v8) on a random loopback port, with
 * one confidential client, PKCE required, its own signing key, and the given users. Email
 * claims are served from UserInfo (the ID token holds only `sub`), as many providers do.
 */
export async function startOidcProvider(options: {
  redirectUris: string[];
  users: OidcTestUser[];
  clientId?: string;
  clientSecret?: string;
}): Promise<OidcTestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = options.clientId ?? 'rampart-test';
  const clientSecret = options.clientSecret ?? 'a-client-secret-for-the-test-provider';
  // A key of its own: two instances never share the library's development key.
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: issuer };
  const users = new Map(options.users.map((u) => [u.login, u]));
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['a-cookie-key-for-the-test-provider'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
    },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx: unknown, id: string) {
      const user = users.get(id);
      if (!user) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          ...(user.email ? { email: user.email, email_verified: user.emailVerified ?? false } : {}),
          ...(user.name ? { name: user.name } : {}),
        }),
      };
    },
  });
  // The library logs interaction warnings through its own events; keep test output quiet.
  provider.on('server_error', () => {});
  server.on('request', provider.callback());

  async function authorize(start: string, o: { login: string; consent?: 'accept' | 'abort' }) {
    const jar = new Map<string, string>();
    const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let url = new URL(start);
    let body: URLSearchParams | undefined;
    for (let hop = 0; hop < 20; hop++) {
      if (url.origin !== issuer) return url;
      const response = await fetch(url, {
        method: body ? 'POST' : 'GET',
        redirect: 'manual',
        headers: {
          cookie: cookieHeader(),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(body ? { body: body.toString() } : {}),
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const eq = (pair ?? '').indexOf('=');
        if (eq > 0) jar.set((pair as string).slice(0, eq).trim(), (pair as string).slice(eq + 1));
      }
      body = undefined;
      const location = response.headers.get('location');
      if (location) {
        url = new URL(location, url);
        continue;
      }
      const html = await response.text();
      if (response.status !== 200)
        throw new Error(`provider answered ${response.status}: ${html.slice(0, 300)}`);
      if (html.includes('name="prompt" value="login"')) {
        body = new URLSearchParams({ prompt: 'login', login: o.login, password: 'any' });
      } else if (html.includes('name="prompt" value="consent"')) {
        if (o.consent === 'abort') {
          url = new URL(`${url.pathname}/abort`, url);
          continue;
        }
        body = new URLSearchParams({ prompt: 'consent' });
      } else throw new Error(`unexpected provider page: ${html.slice(0, 300)}`);
    }
    throw new Error('too many redirects at the provider');
  }

  return {
    issuer,
    clientId,
    clientSecret,
    authorize,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
