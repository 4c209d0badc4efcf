/**
 * Attack: sidestepping a lock through social login. An account is locked — by failed
 * password guesses, by an automated response, or by an administrator who suspects it is
 * compromised — and the attacker (or the owner the lock is meant to stop) signs in through
 * a linked provider instead of the password, or spends a one-time code obtained just
 * before the lock. Every path to a session must refuse a locked account, with the same
 * answer as the password step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createUser,
  expectProblem,
  loginSession,
} from '../../../../test/support/http-helpers.js';
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

describe('social login and account locks', () => {
  let idp: OidcTestProvider;
  let r: TestRampart;
  let adminToken: string;
  let events: ReturnType<typeof recordEvents>;

  beforeAll(async () => {
    idp = await startOidcProvider({
      redirectUris: [`${publicUrl}/v1/auth/oauth/corp/callback`],
      users: [
        { login: 'mallory', email: 'mallory@example.com', emailVerified: true },
        { login: 'guessed', email: 'guessed@example.com', emailVerified: true },
        { login: 'early', email: 'early@example.com', emailVerified: true },
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
    const admin = await createUser(r, 'root@example.com', ['ADMIN']);
    adminToken = (await loginSession(r, admin.email, admin.password)).access_token;
    events = recordEvents(r);
  }, 60_000);

  afterAll(async () => {
    await r?.close();
    await idp?.close();
  });

  async function callback(user: string, query = 'mode=code') {
    const started = await startSignIn(r, 'corp', query);
    const back = await idp.authorize(started.authorizationUrl.href, { login: user });
    return deliverCallback(r, back, started.stateCookie);
  }

  function exchange(code: string | null) {
    return r.app.inject({ method: 'POST', url: '/v1/auth/oauth/exchange', payload: { code } });
  }

  function adminLock(id: string, action: 'lock' | 'unlock') {
    return r.app.inject({
      method: 'POST',
      url: `/v1/admin/accounts/${id}/${action}`,
      headers: bearer(adminToken),
    });
  }

  it('refuses a provider sign-in to an account an administrator locked, in both modes', async () => {
    const mallory = await createUser(r, 'mallory@example.com');
    // Linked through the verified email while unlocked: the provider path works.
    const first = await exchange(fragmentOf(await callback('mallory')).get('code'));
    expect(first.statusCode, first.body).toBe(200);

    expect((await adminLock(mallory.id, 'lock')).statusCode).toBe(200);
    expectProblem(await callback('mallory'), 401, 'invalid_credentials');
    const cookieMode = await callback('mallory', 'return=/ui/after');
    expectProblem(cookieMode, 401, 'invalid_credentials');
    expect(cookieMode.cookies.map((c) => c.name)).not.toContain('__Host-rampart_at');
    const refused = events.filter(
      (e) =>
        e.type === 'auth.login.failed' &&
        e.target?.id === mallory.id &&
        e.details.reason === 'account_locked',
    );
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(
      events.some(
        (e) =>
          e.type === 'auth.oauth.login' &&
          e.details.outcome === 'code_issued' &&
          e.target?.id === mallory.id &&
          e.time > (refused[0]?.time ?? 0),
      ),
    ).toBe(false);

    expect((await adminLock(mallory.id, 'unlock')).statusCode).toBe(204);
    const after = await exchange(fragmentOf(await callback('mallory')).get('code'));
    expect(after.statusCode, after.body).toBe(200);
  });

  it('refuses a provider sign-in while failed password guesses keep the account locked', async () => {
    const guessed = await createUser(r, 'guessed@example.com');
    for (let i = 0; i < 5; i++) {
      await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: guessed.email, password: 'not the password at all' },
        remoteAddress: '203.0.113.9',
      });
    }
    expect(await r.identity.login.lockedUntil(guessed.email)).toBeGreaterThan(Date.now());
    expectProblem(await callback('guessed'), 401, 'invalid_credentials');
  });

  it('refuses to exchange a code issued before the lock', async () => {
    const early = await createUser(r, 'early@example.com');
    const code = fragmentOf(await callback('early')).get('code');
    expect(code).toMatch(/^rmpoc_/);
    expect((await adminLock(early.id, 'lock')).statusCode).toBe(200);
    expectProblem(await exchange(code), 401, 'invalid_credentials');
  });
});
