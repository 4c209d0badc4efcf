import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../../../test/support/http-helpers.js';
import {
  deliverCallback,
  fragmentOf,
  recordEvents,
  startSignIn,
} from '../../../../test/support/oauth-flow.js';
import {
  type OidcTestProvider,
  startOidcProvider,
} from '../../../../test/support/oidc-provider.js';
import { startTestRampart, type TestRampart } from '../../../../test/support/test-rampart.js';

const publicUrl = 'http://127.0.0.1:9';
const callback = `${publicUrl}/v1/auth/oauth/corp/callback`;

// SQLite with the memory hot store; PostgreSQL with Redis when both are configured.
const backends: { database: 'sqlite' | 'postgres'; hot: 'memory' | 'redis' }[] = [
  { database: 'sqlite', hot: 'memory' },
  ...(process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL
    ? [{ database: 'postgres' as const, hot: 'redis' as const }]
    : []),
];

describe.each(backends)(
  'social login against a real OpenID provider ($database, $hot)',
  (backend) => {
    let idp: OidcTestProvider;
    let r: TestRampart;
    let events: ReturnType<typeof recordEvents>;

    beforeAll(async () => {
      idp = await startOidcProvider({
        redirectUris: [callback],
        users: [
          { login: 'ada', email: 'ada@example.com', emailVerified: true, name: 'Ada' },
          { login: 'grace', email: 'grace@example.com', emailVerified: true },
          { login: 'linus', email: 'linus@example.com', emailVerified: false },
          { login: 'nomail' },
        ],
      });
      r = await startTestRampart({
        ...backend,
        overrides: {
          publicUrl,
          oauth: {
            providers: [
              {
                id: 'corp',
                type: 'oidc',
                issuer: idp.issuer,
                clientId: idp.clientId,
                clientSecret: idp.clientSecret,
              },
            ],
          },
        },
      });
      events = recordEvents(r);
    }, 60_000);

    afterAll(async () => {
      await r?.close();
      await idp?.close();
    });

    async function signIn(user: string, query = 'mode=code') {
      const started = await startSignIn(r, 'corp', query);
      const back = await idp.authorize(started.authorizationUrl.href, { login: user });
      return { started, back, res: await deliverCallback(r, back, started.stateCookie) };
    }

    it('redirects to the provider with PKCE S256, state and nonce', async () => {
      const { authorizationUrl } = await startSignIn(r, 'corp');
      expect(authorizationUrl.origin).toBe(idp.issuer);
      const q = authorizationUrl.searchParams;
      expect(q.get('code_challenge_method')).toBe('S256');
      expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(q.get('nonce')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(q.get('redirect_uri')).toBe(callback);
      expect(q.get('scope')).toBe('openid email profile');
    });

    it('signs a new verified email up and exchanges the one-time code for a token pair', async () => {
      const { res } = await signIn('ada');
      const code = fragmentOf(res).get('code');
      expect(code).toMatch(/^rmpoc_/);
      const exchange = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/oauth/exchange',
        payload: { code },
      });
      expect(exchange.statusCode, exchange.body).toBe(200);
      const tokens = exchange.json<{ access_token: string; refresh_token: string }>();
      expect(tokens.refresh_token).toMatch(/^rmr_/);
      expect(decodeJwt(tokens.access_token).amr).toEqual(['oauth']);
      const me = await r.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: bearer(tokens.access_token),
      });
      expect(me.json()).toMatchObject({
        email: 'ada@example.com',
        name: 'Ada',
        identities: [
          { provider: 'corp', subject: 'ada', email: 'ada@example.com', email_verified: true },
        ],
      });
      expect(
        events.find((e) => e.type === 'auth.oauth.login' && e.outcome === 'success'),
      ).toBeDefined();
      expect(events.find((e) => e.type === 'auth.oauth.linked')?.details.via).toBe('signup');
      // The code works once.
      const again = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/oauth/exchange',
        payload: { code },
      });
      expectProblem(again, 400, 'oauth_code_invalid');
    });

    it('signs the same identity in again to the same account, with session cookies in cookie mode', async () => {
      const { res } = await signIn('ada', 'return=/ui/after');
      expect(res.statusCode, res.body).toBe(302);
      expect(res.headers.location).toBe('/ui/after');
      const names = res.cookies.map((c) => c.name);
      expect(names).toContain('__Host-rampart_at');
      expect(names).toContain('__Host-rampart_rt');
      const at = res.cookies.find((c) => c.name === '__Host-rampart_at');
      const me = await r.app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { cookie: `__Host-rampart_at=${at?.value}` },
      });
      expect(me.json<{ identities: unknown[] }>().identities).toHaveLength(1);
    });

    it('exchanges a code for the session cookies with X-Rampart-Session: cookie', async () => {
      const { res } = await signIn('ada');
      const exchange = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/oauth/exchange',
        headers: { 'x-rampart-session': 'cookie' },
        payload: { code: fragmentOf(res).get('code') },
      });
      expect(exchange.statusCode, exchange.body).toBe(200);
      expect(exchange.json()).toMatchObject({ token_type: 'cookie' });
      expect(exchange.body).not.toContain('rmr_');
      expect(exchange.cookies.map((c) => c.name)).toEqual([
        '__Host-rampart_at',
        '__Host-rampart_rt',
      ]);
    });

    it('links a verified email to the existing password account', async () => {
      const grace = await createUser(r, 'grace@example.com');
      const { res } = await signIn('grace');
      expect(fragmentOf(res).get('code')).toBeTruthy();
      const linked = events.filter((e) => e.type === 'auth.oauth.linked').at(-1);
      expect(linked?.details).toMatchObject({ via: 'verified_email', accountId: grace.id });
    });

    it('refuses an identity without any email', async () => {
      const { res } = await signIn('nomail');
      expectProblem(res, 403, 'oauth_email_unverified');
    });

    it('answers a denied consent with oauth_access_denied and an audit event', async () => {
      const started = await startSignIn(r, 'corp');
      const back = await idp.authorize(started.authorizationUrl.href, {
        login: 'grace',
        consent: 'abort',
      });
      expect(back.searchParams.get('error')).toBe('access_denied');
      const res = await deliverCallback(r, back, started.stateCookie);
      expectProblem(res, 403, 'oauth_access_denied');
      expect(events.filter((e) => e.type === 'auth.oauth.failed').at(-1)?.details.reason).toBe(
        'access_denied',
      );
    });

    it('lists enabled providers for a sign-in page', async () => {
      const res = await r.app.inject({ method: 'GET', url: '/v1/auth/oauth/providers' });
      expect(res.json()).toEqual({
        providers: [
          {
            id: 'corp',
            type: 'oidc',
            name: 'OpenID Connect',
            start_url: '/v1/auth/oauth/corp/start',
          },
        ],
      });
    });

    it('answers an unknown provider with 404 oauth_provider_not_found', async () => {
      const res = await r.app.inject({ method: 'GET', url: '/v1/auth/oauth/nope/start' });
      expectProblem(res, 404, 'oauth_provider_not_found');
    });

    it('refuses a return path to another origin', async () => {
      for (const target of [
        '//evil.example/x',
        'https://evil.example/',
        '/\\evil.example',
        '/a b',
        'ui',
      ]) {
        const res = await r.app.inject({
          method: 'GET',
          url: `/v1/auth/oauth/corp/start?return=${encodeURIComponent(target)}`,
        });
        expectProblem(res, 400, 'oauth_return_invalid');
      }
    });

    it('keeps password login working for a linked account', async () => {
      const user = await createUser(r, 'mixed@example.com');
      expect(await login(r, user.email, user.password)).toBeTruthy();
    });
  },
);
