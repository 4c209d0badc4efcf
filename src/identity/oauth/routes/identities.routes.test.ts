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

describe('linked identities: link from a session, list, unlink', () => {
  let idp: OidcTestProvider;
  let r: TestRampart;
  let events: ReturnType<typeof recordEvents>;

  beforeAll(async () => {
    idp = await startOidcProvider({
      redirectUris: [`${publicUrl}/v1/auth/oauth/corp/callback`],
      users: [
        // An unverified email of another address: linking from a session does not need one.
        { login: 'work-login', email: 'someone-else@example.com', emailVerified: false },
        { login: 'solo', email: 'solo@example.com', emailVerified: true },
      ],
    });
    r = await startTestRampart({
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

  async function linkAs(token: string, user: string) {
    const start = await r.app.inject({
      method: 'POST',
      url: '/v1/me/identities/corp/link',
      headers: bearer(token),
      payload: { return: '/ui/account' },
    });
    expect(start.statusCode, start.body).toBe(200);
    const cookie = start.cookies.find((c) => c.name === 'rampart_oauth');
    const back = await idp.authorize(
      start.json<{ authorization_url: string }>().authorization_url,
      { login: user },
    );
    return deliverCallback(r, back, `${cookie?.name}=${cookie?.value}`);
  }

  it('links an identity to the signed-in account, whatever its email, and lists it', async () => {
    const alice = await createUser(r, 'alice@example.com');
    const token = await login(r, alice.email, alice.password);
    const res = await linkAs(token, 'work-login');
    expect(res.headers.location).toBe('/ui/account#linked=corp');
    const list = await r.app.inject({
      method: 'GET',
      url: '/v1/me/identities',
      headers: bearer(token),
    });
    expect(list.json()).toMatchObject({
      identities: [{ provider: 'corp', subject: 'work-login', email_verified: false }],
    });
    expect(events.find((e) => e.type === 'auth.oauth.linked')?.details).toMatchObject({
      via: 'session',
    });
  });

  it('refuses to link an identity that another account holds', async () => {
    const bob = await createUser(r, 'bob@example.com');
    const res = await linkAs(await login(r, bob.email, bob.password), 'work-login');
    expectProblem(res, 409, 'oauth_identity_in_use');
  });

  it('unlinks from an account that keeps its password', async () => {
    const carol = await createUser(r, 'carol@example.com');
    const token = await login(r, carol.email, carol.password);
    // Take the identity over from alice's account first: unlink it there.
    const alice = await r.stores.accounts.findAccountByEmail('alice@example.com');
    const [aliceIdentity] = await r.oauth.links.list(alice?.id as string);
    await r.oauth.links.unlink(alice?.id as string, aliceIdentity?.id as string, {});
    await linkAs(token, 'work-login');
    const [identity] = (
      await r.app.inject({ method: 'GET', url: '/v1/me/identities', headers: bearer(token) })
    ).json<{
      identities: { id: string }[];
    }>().identities;
    // Read twice first: the second answer comes from the caches, which the unlink must reach.
    for (let i = 0; i < 2; i++) {
      const before = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });
      expect(before.json<{ identities: { id: string }[] }>().identities).toMatchObject([
        { id: identity?.id },
      ]);
    }
    const del = await r.app.inject({
      method: 'DELETE',
      url: `/v1/me/identities/${identity?.id}`,
      headers: bearer(token),
    });
    expect(del.statusCode, del.body).toBe(204);
    expect(events.filter((e) => e.type === 'auth.oauth.unlinked')).toHaveLength(2);
    const me = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });
    expect(me.json<{ identities: unknown[] }>().identities).toEqual([]);
  });

  it('refuses to unlink the last way to sign in of an account without a password (409)', async () => {
    const started = await startSignIn(r, 'corp');
    const back = await idp.authorize(started.authorizationUrl.href, { login: 'solo' });
    const code = fragmentOf(await deliverCallback(r, back, started.stateCookie)).get('code');
    const tokens = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/oauth/exchange',
      payload: { code },
    });
    const token = tokens.json<{ access_token: string }>().access_token;
    const me = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });
    const [identity] = me.json<{ identities: { id: string }[] }>().identities;
    const del = await r.app.inject({
      method: 'DELETE',
      url: `/v1/me/identities/${identity?.id}`,
      headers: bearer(token),
    });
    expectProblem(del, 409, 'oauth_last_sign_in_method');
    // The account has no password: a password login fails like any other.
    const pwd = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'solo@example.com', password: 'whatever it might be' },
    });
    expectProblem(pwd, 401, 'invalid_credentials');
  });

  it('answers 404 for an identity of someone else', async () => {
    const dave = await createUser(r, 'dave@example.com');
    const token = await login(r, dave.email, dave.password);
    const res = await r.app.inject({
      method: 'DELETE',
      url: '/v1/me/identities/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      headers: bearer(token),
    });
    expectProblem(res, 404, 'oauth_identity_not_found');
  });

  it('needs a signed-in user to link', async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/me/identities/corp/link',
      payload: {},
    });
    expectProblem(res, 401, 'authentication_required');
  });
});
