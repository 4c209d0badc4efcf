import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GitHubTestServer,
  startGitHubServer,
} from '../../../../test/support/github-server.js';
import { bearer, createUser, expectProblem } from '../../../../test/support/http-helpers.js';
import {
  deliverCallback,
  fragmentOf,
  recordEvents,
  startSignIn,
} from '../../../../test/support/oauth-flow.js';
import { startTestRampart, type TestRampart } from '../../../../test/support/test-rampart.js';

const publicUrl = 'http://127.0.0.1:9';

describe('GitHub sign-in (OAuth 2.0 and the user API)', () => {
  let gh: GitHubTestServer;
  let r: TestRampart;
  let events: ReturnType<typeof recordEvents>;

  beforeAll(async () => {
    gh = await startGitHubServer([
      {
        login: 'octocat',
        id: 583231,
        name: 'The Octocat',
        emails: [
          { email: 'octo-old@example.com', primary: false, verified: true, visibility: null },
          { email: 'octocat@example.com', primary: true, verified: true, visibility: 'public' },
        ],
      },
      {
        login: 'sneaky',
        id: 1000001,
        name: null,
        // The address of someone else's account, added at GitHub but never verified there.
        emails: [
          { email: 'boss@example.com', primary: true, verified: false, visibility: 'private' },
        ],
      },
    ]);
    r = await startTestRampart({
      overrides: {
        publicUrl,
        oauth: {
          providers: [
            {
              type: 'github',
              clientId: gh.clientId,
              clientSecret: gh.clientSecret,
              baseUrl: gh.url,
              apiUrl: gh.url,
            },
          ],
        },
      },
    });
    events = recordEvents(r);
  }, 60_000);

  afterAll(async () => {
    await r?.close();
    await gh?.close();
  });

  it('asks GitHub for read:user and user:email with PKCE and state, and no nonce', async () => {
    const { authorizationUrl } = await startSignIn(r, 'github');
    expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(
      `${gh.url}/login/oauth/authorize`,
    );
    expect(authorizationUrl.searchParams.get('scope')).toBe('read:user user:email');
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('nonce')).toBeNull();
  });

  it('signs in with the primary verified email and exchanges the code for tokens', async () => {
    const started = await startSignIn(r, 'github');
    const res = await deliverCallback(
      r,
      gh.authorize(started.authorizationUrl.href, 'octocat'),
      started.stateCookie,
    );
    const code = fragmentOf(res).get('code');
    const exchange = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/oauth/exchange',
      payload: { code },
    });
    expect(exchange.statusCode, exchange.body).toBe(200);
    const me = await r.app.inject({
      method: 'GET',
      url: '/v1/me/identities',
      headers: bearer(exchange.json<{ access_token: string }>().access_token),
    });
    expect(me.json()).toMatchObject({
      identities: [
        {
          provider: 'github',
          subject: '583231',
          email: 'octocat@example.com',
          email_verified: true,
        },
      ],
    });
    const sent = gh.tokenRequests.at(-1);
    expect(sent?.code_verifier).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(sent?.redirect_uri).toBe(`${publicUrl}/v1/auth/oauth/github/callback`);
  });

  it('refuses an unverified primary email: no link to the account that owns it, no new account', async () => {
    const boss = await createUser(r, 'boss@example.com');
    const started = await startSignIn(r, 'github');
    const res = await deliverCallback(
      r,
      gh.authorize(started.authorizationUrl.href, 'sneaky'),
      started.stateCookie,
    );
    expectProblem(res, 403, 'oauth_email_unverified');
    expect(await r.oauth.links.list(boss.id)).toEqual([]);
    expect(events.filter((e) => e.type === 'auth.oauth.login').at(-1)?.details.reason).toBe(
      'email_unverified',
    );
  });

  it('answers a code GitHub refuses (200 with an error member) with oauth_exchange_failed', async () => {
    const started = await startSignIn(r, 'github');
    const back = gh.authorize(started.authorizationUrl.href, 'octocat');
    back.searchParams.set('code', 'not-a-code-github-issued');
    expectProblem(
      await deliverCallback(r, back, started.stateCookie),
      502,
      'oauth_exchange_failed',
    );
    expect(events.filter((e) => e.type === 'auth.oauth.failed').at(-1)?.details.reason).toBe(
      'exchange_failed',
    );
  });
});
