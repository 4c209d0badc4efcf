/**
 * A social login must not be a way around MFA: an attacker who controls (or phished) the
 * provider account linked to a victim's Rampart account still faces the victim's second
 * factor, in every mode (one-time code, dashboard cookies), and a role that requires MFA
 * still has to enrol before it gets a session.
 */
import { decodeJwt } from 'jose';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createUser, expectProblem, login } from '../../../../test/support/http-helpers.js';
import { enableTotp, freezeTime, nextTotpCode } from '../../../../test/support/mfa-helpers.js';
import { deliverCallback, fragmentOf, startSignIn } from '../../../../test/support/oauth-flow.js';
import {
  type OidcTestProvider,
  startOidcProvider,
} from '../../../../test/support/oidc-provider.js';
import { startTestRampart, type TestRampart } from '../../../../test/support/test-rampart.js';
import { SqlResponseStore } from '../../../storage/sql/sql-response-store.js';

const publicUrl = 'http://127.0.0.1:9';

describe('MFA after a social login', () => {
  let idp: OidcTestProvider;
  let r: TestRampart;
  let secret: Uint8Array;
  let flaggedId: string;

  beforeAll(async () => {
    freezeTime();
    idp = await startOidcProvider({
      redirectUris: [`${publicUrl}/v1/auth/oauth/corp/callback`],
      users: [
        { login: 'mfa', email: 'mfa@example.com', emailVerified: true },
        { login: 'admin', email: 'admin@example.com', emailVerified: true },
        { login: 'flagged', email: 'flagged@example.com', emailVerified: true },
      ],
    });
    r = await startTestRampart({
      overrides: {
        publicUrl,
        mfa: { requiredRoles: ['ADMIN'] },
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
    const user = await createUser(r, 'mfa@example.com');
    ({ secret } = await enableTotp(r, await login(r, user.email, user.password)));
    await createUser(r, 'admin@example.com', ['ADMIN']);
    flaggedId = (await createUser(r, 'flagged@example.com')).id;
  }, 60_000);

  afterAll(async () => {
    await r?.close();
    await idp?.close();
    vi.useRealTimers();
  });

  async function callback(user: string, query: string) {
    const started = await startSignIn(r, 'corp', query);
    const back = await idp.authorize(started.authorizationUrl.href, { login: user });
    return deliverCallback(r, back, started.stateCookie);
  }

  it('answers the code exchange of a TOTP account with mfa_required, then completes with a code', async () => {
    const code = fragmentOf(await callback('mfa', 'mode=code')).get('code');
    const exchange = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/oauth/exchange',
      payload: { code },
    });
    const problem = expectProblem(exchange, 401, 'mfa_required');
    expect(problem).not.toHaveProperty('access_token');
    const done = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login/mfa',
      payload: { mfa_token: problem.mfa_token, code: nextTotpCode(secret) },
    });
    expect(done.statusCode, done.body).toBe(200);
    const amr = decodeJwt(done.json<{ access_token: string }>().access_token).amr as string[];
    expect(amr).toEqual(expect.arrayContaining(['oauth', 'otp', 'mfa']));
    expect(amr).not.toContain('pwd');
  });

  it('sets no session cookie in cookie mode: the browser gets an mfa_token instead', async () => {
    const res = await callback('mfa', 'return=/ui/login');
    const names = res.cookies.map((c) => c.name);
    expect(names).not.toContain('__Host-rampart_at');
    expect(names).not.toContain('__Host-rampart_rt');
    const fragment = fragmentOf(res);
    expect(String(res.headers.location)).toMatch(/^\/ui\/login#/);
    expect(fragment.get('mfa')).toBe('mfa_required');
    expect(fragment.get('mfa_token')).toMatch(/^rmpmfa_/);
  });

  it('sends a role that requires MFA to enrolment, not to a session', async () => {
    const code = fragmentOf(await callback('admin', 'mode=code')).get('code');
    const exchange = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/oauth/exchange',
      payload: { code },
    });
    expectProblem(exchange, 401, 'mfa_enrollment_required');
  });

  it('sends an account an automated response requires MFA of to enrolment, as the password login does', async () => {
    // What the require_mfa response action records.
    await new SqlResponseStore(r.database.db as unknown as Kysely<unknown>).require(
      flaggedId,
      'credential stuffing',
      Date.now(),
    );
    const code = fragmentOf(await callback('flagged', 'mode=code')).get('code');
    const exchange = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/oauth/exchange',
      payload: { code },
    });
    const problem = expectProblem(exchange, 401, 'mfa_enrollment_required');
    expect(problem).not.toHaveProperty('access_token');
  });
});
