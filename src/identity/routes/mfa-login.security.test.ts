/**
 * Attack: getting past the second factor with a stolen password. The attacker knows the
 * password and tries to get a session without the code: by using the password step's
 * answer as a session, by reusing or outliving an mfa_token, by replaying a code seen
 * over a shoulder or in a proxy log within its 30-second window, by reusing a recovery
 * code (also twice at once), by guessing codes without limit, or by using a stolen
 * access token to turn MFA off. An account whose role requires MFA must not get a
 * session until it has enrolled.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  bearer,
  createUser,
  expectProblem,
  login,
  type TokenPairJson,
} from '../../../test/support/http-helpers.js';
import {
  advanceTime,
  currentTotpCode,
  enableTotp,
  freezeTime,
  mfaStep,
  nextTotpCode,
  passwordStep,
} from '../../../test/support/mfa-helpers.js';
import { testHotStoreKinds } from '../../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import type { SecurityEvent } from '../../events/security-event.js';
import { totpSecretBase32 } from '../core/totp-codes.js';

for (const hot of testHotStoreKinds()) {
  describe(`login with TOTP (${hot} hot store)`, () => {
    let r: TestRampart;
    const events: SecurityEvent[] = [];
    let n = 0;

    beforeAll(async () => {
      freezeTime();
      r = await startTestRampart({ hot, overrides: { mfa: { challengeTtl: 60 } } });
      r.events.subscribe('test', (e) => {
        events.push(e);
      });
    });
    afterAll(async () => {
      await r?.close();
      vi.useRealTimers();
    });

    /** An account with TOTP on. */
    async function mfaUser(): Promise<{
      id: string;
      email: string;
      password: string;
      secret: Uint8Array;
      recoveryCodes: string[];
    }> {
      const user = await createUser(r, `mfa-login-${hot}-${++n}@example.com`);
      const enabled = await enableTotp(r, await login(r, user.email, user.password));
      return { ...user, ...enabled };
    }

    it('answers the password step with 401 mfa_required, an mfa_token and no session', async () => {
      const user = await mfaUser();
      const sessionsBefore = (await r.identity.sessions.list(user.id)).length;
      const res = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: user.email, password: user.password },
      });
      const body = expectProblem(res, 401, 'mfa_required');
      expect(body.mfa_token).toMatch(/^rmpmfa_/);
      expect(body.expires_in).toBe(60);
      expect(body.mfa_methods).toEqual(['totp', 'recovery_code']);
      for (const field of ['access_token', 'refresh_token', 'session_id'])
        expect(body).not.toHaveProperty(field);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.headers['cache-control']).toBe('no-store');
      expect((await r.identity.sessions.list(user.id)).length).toBe(sessionsBefore);
      // The mfa_token is no access token.
      expectProblem(
        await r.app.inject({
          method: 'GET',
          url: '/v1/me',
          headers: bearer(String(body.mfa_token)),
        }),
        401,
        'invalid_token',
      );
    });

    it('completes with a code: tokens carry amr [pwd, otp, mfa] and auth_time', async () => {
      const user = await mfaUser();
      const mfaToken = await passwordStep(r, user.email, user.password);
      const res = await mfaStep(r, mfaToken, { code: nextTotpCode(user.secret) });
      expect(res.statusCode, res.body).toBe(200);
      const tokens = res.json<TokenPairJson>();
      const claims = decodeJwt(tokens.access_token);
      expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
      expect(claims.auth_time).toBe(Math.floor(Date.now() / 1000));
      expect(claims.sub).toBe(user.id);
      const sessions = await r.app.inject({
        method: 'GET',
        url: '/v1/sessions',
        headers: bearer(tokens.access_token),
      });
      expect(
        sessions.json<{ items: { current: boolean; mfa: boolean; amr: string[] }[] }>().items,
      ).toContainEqual(
        expect.objectContaining({ current: true, mfa: true, amr: ['pwd', 'otp', 'mfa'] }),
      );

      // A refresh keeps the session's amr and auth_time: they describe the sign-in.
      advanceTime(60_000);
      const refreshed = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        payload: { refresh_token: tokens.refresh_token },
      });
      expect(refreshed.statusCode, refreshed.body).toBe(200);
      const again = decodeJwt(refreshed.json<TokenPairJson>().access_token);
      expect(again.amr).toEqual(['pwd', 'otp', 'mfa']);
      expect(again.auth_time).toBe(claims.auth_time);
    });

    it('spends the mfa_token: it completes one login only', async () => {
      const user = await mfaUser();
      const mfaToken = await passwordStep(r, user.email, user.password);
      expect((await mfaStep(r, mfaToken, { code: nextTotpCode(user.secret) })).statusCode).toBe(
        200,
      );
      expectProblem(
        await mfaStep(r, mfaToken, { code: nextTotpCode(user.secret) }),
        401,
        'mfa_token_invalid',
      );
    });

    it('lets an mfa_token complete one of two concurrent MFA steps', async () => {
      const user = await mfaUser();
      const mfaToken = await passwordStep(r, user.email, user.password);
      advanceTime(30_000);
      const code = currentTotpCode(user.secret);
      const results = await Promise.all([
        mfaStep(r, mfaToken, { code }),
        mfaStep(r, mfaToken, { code }),
      ]);
      expect(results.filter((x) => x.statusCode === 200)).toHaveLength(1);
    });

    it.runIf(hot === 'memory')('lets an mfa_token expire after mfa.challengeTtl', async () => {
      const user = await mfaUser();
      const mfaToken = await passwordStep(r, user.email, user.password);
      advanceTime(61_000);
      expectProblem(
        await mfaStep(r, mfaToken, { code: currentTotpCode(user.secret) }),
        401,
        'mfa_token_invalid',
      );
    });

    it('refuses a code replayed in its window, in another login', async () => {
      const user = await mfaUser();
      const code = nextTotpCode(user.secret);
      const first = await mfaStep(r, await passwordStep(r, user.email, user.password), { code });
      expect(first.statusCode).toBe(200);
      advanceTime(10_000); // same step, and well within the ±1 window
      const replay = await mfaStep(r, await passwordStep(r, user.email, user.password), { code });
      expectProblem(replay, 401, 'invalid_mfa_code');
      expect(events.filter((e) => e.type === 'auth.mfa.failed').at(-1)?.details.reason).toBe(
        'replayed',
      );
    });

    it('refuses an older code once a newer one signed in', async () => {
      const user = await mfaUser();
      const older = nextTotpCode(user.secret);
      const newer = nextTotpCode(user.secret); // the clock is on newer's step; older is -1
      expect(
        (await mfaStep(r, await passwordStep(r, user.email, user.password), { code: newer }))
          .statusCode,
      ).toBe(200);
      expectProblem(
        await mfaStep(r, await passwordStep(r, user.email, user.password), { code: older }),
        401,
        'invalid_mfa_code',
      );
    });

    it('signs in with a recovery code once, with amr [pwd, recovery, mfa]', async () => {
      const user = await mfaUser();
      const [code = ''] = user.recoveryCodes;
      const res = await mfaStep(r, await passwordStep(r, user.email, user.password), {
        recovery_code: code,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(decodeJwt(res.json<TokenPairJson>().access_token).amr).toEqual([
        'pwd',
        'recovery',
        'mfa',
      ]);
      // The owner hears of it: a recovery code in an attacker's hands is a lost factor.
      const mail = r.logs
        .map((l) => l.mail as { to?: string; subject?: string; text?: string } | undefined)
        .find((m) => m?.to === user.email && m.subject === 'A recovery code was used to sign in');
      expect(mail?.text).toContain('9 unused recovery codes left');
      expect(mail?.text).not.toContain(code);
      expectProblem(
        await mfaStep(r, await passwordStep(r, user.email, user.password), {
          recovery_code: code,
        }),
        401,
        'invalid_mfa_code',
      );
    });

    it('lets exactly one of two concurrent logins with one recovery code through', async () => {
      const user = await mfaUser();
      const [a, b] = [
        await passwordStep(r, user.email, user.password),
        await passwordStep(r, user.email, user.password),
      ];
      const code = user.recoveryCodes[1] ?? '';
      const results = await Promise.all([
        mfaStep(r, a, { recovery_code: code }),
        mfaStep(r, b, { recovery_code: code }),
      ]);
      expect(results.map((x) => x.statusCode).sort()).toEqual([200, 401]);
    });

    it('refuses a proof with both or neither of code and recovery_code', async () => {
      const user = await mfaUser();
      const mfaToken = await passwordStep(r, user.email, user.password);
      const both = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login/mfa',
        payload: {
          mfa_token: mfaToken,
          code: currentTotpCode(user.secret),
          recovery_code: user.recoveryCodes[0],
        },
      });
      expectProblem(both, 401, 'invalid_mfa_code');
      const neither = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login/mfa',
        payload: { mfa_token: mfaToken },
      });
      expectProblem(neither, 401, 'invalid_mfa_code');
    });

    it('counts wrong codes toward the lockout, together with wrong passwords', async () => {
      const user = await mfaUser();
      const before = events.length;
      const address = '198.51.100.77';
      for (let i = 0; i < 2; i++) {
        const res = await r.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: { email: user.email, password: 'a wrong password guess' },
          remoteAddress: address,
        });
        expectProblem(res, 401, 'invalid_credentials');
      }
      // The right password is attempt 3 of 5: a login is not over until the code is right.
      const mfaToken = await passwordStep(r, user.email, user.password);
      const right = currentTotpCode(user.secret);
      const wrong = ['000000', '111111', '222222'].filter((c) => c !== right);
      for (const code of wrong.slice(0, 2))
        expectProblem(await mfaStep(r, mfaToken, { code }, address), 401, 'invalid_mfa_code');
      const locked = events.slice(before).filter((e) => e.type === 'auth.account.locked');
      expect(locked).toHaveLength(1);
      expect(locked[0]?.target?.id).toBe(user.id);
      // Locked: the right password and the right code both fail now.
      expectProblem(
        await mfaStep(r, mfaToken, { code: nextTotpCode(user.secret) }),
        401,
        'mfa_token_invalid',
      );
      expectProblem(
        await r.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: { email: user.email, password: user.password },
        }),
        401,
        'invalid_credentials',
      );
    });

    it('does not refill the code-guessing budget with each correct password', async () => {
      const user = await mfaUser();
      const before = events.length;
      const right = currentTotpCode(user.secret);
      const wrong = ['000000', '111111', '222222', '333333'].filter((c) => c !== right);
      let refused = 0;
      for (let round = 0; round < 3; round++) {
        const res = await r.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: { email: user.email, password: user.password },
        });
        if (res.json<{ code: string }>().code !== 'mfa_required') {
          expectProblem(res, 401, 'invalid_credentials');
          refused++;
          continue;
        }
        const mfaToken = res.json<{ mfa_token: string }>().mfa_token;
        for (const code of wrong.slice(0, 2)) await mfaStep(r, mfaToken, { code });
      }
      // Attempts 1-5: password, code, code, password, code (locks); round three is refused.
      expect(refused).toBe(1);
      const guesses = events
        .slice(before)
        .filter((e) => e.type === 'auth.mfa.failed' && e.details.reason === 'wrong_code');
      expect(guesses).toHaveLength(3);
      expect(events.slice(before).filter((e) => e.type === 'auth.account.locked')).toHaveLength(1);
    });

    it('lets twenty concurrent wrong codes verify at most five', async () => {
      const user = await mfaUser();
      const tokens = await Promise.all(
        Array.from({ length: 4 }, () => passwordStep(r, user.email, user.password)),
      );
      const before = events.length;
      const right = currentTotpCode(user.secret);
      const guesses = Array.from({ length: 20 }, (_, i) =>
        String(100000 + i * 7919).padStart(6, '0'),
      ).filter((c) => c !== right);
      const results = await Promise.all(
        guesses.map((code, i) => mfaStep(r, tokens[i % tokens.length] ?? '', { code })),
      );
      for (const res of results) expect(res.statusCode).toBe(401);
      const reasons = events
        .slice(before)
        .filter((e) => e.type === 'auth.mfa.failed')
        .map((e) => e.details.reason);
      expect(reasons.filter((x) => x === 'wrong_code').length).toBeLessThanOrEqual(5);
      expect(events.slice(before).filter((e) => e.type === 'auth.account.locked')).toHaveLength(1);
    });

    it('counts wrong passwords sent to DELETE /v1/mfa/totp with a stolen token toward the lockout', async () => {
      const user = await mfaUser();
      const mfaToken = await passwordStep(r, user.email, user.password);
      const res = await mfaStep(r, mfaToken, { code: nextTotpCode(user.secret) });
      const stolen = res.json<TokenPairJson>().access_token;
      for (let i = 0; i < 5; i++) {
        expectProblem(
          await r.app.inject({
            method: 'DELETE',
            url: '/v1/mfa/totp',
            headers: bearer(stolen),
            payload: { password: `guess number ${i} here`, code: currentTotpCode(user.secret) },
          }),
          401,
          'invalid_credentials',
        );
      }
      // The budget is spent: even the right password and code are refused, MFA stays on.
      expectProblem(
        await r.app.inject({
          method: 'DELETE',
          url: '/v1/mfa/totp',
          headers: bearer(stolen),
          payload: { password: user.password, code: nextTotpCode(user.secret) },
        }),
        401,
        'invalid_credentials',
      );
      const status = await r.app.inject({ method: 'GET', url: '/v1/mfa', headers: bearer(stolen) });
      expect(status.json()).toMatchObject({ totp: { enabled: true } });
      expect(
        events.filter((e) => e.type === 'auth.account.locked' && e.target?.id === user.id),
      ).toHaveLength(1);
    });

    it('keeps the TOTP secret sealed in the database', async () => {
      const user = await mfaUser();
      const row = await r.database.db
        .selectFrom('mfa_totp')
        .selectAll()
        .where('account_id', '=', user.id)
        .executeTakeFirstOrThrow();
      const plain = Buffer.from(user.secret);
      // Sealed by the data key ring (v2, naming the primary data key).
      expect(row.secret_sealed).toMatch(new RegExp(`^v2\\.${r.dataKeys.primaryKeyId}\\.`));
      for (const form of [plain.toString('hex'), plain.toString('base64url')])
        expect(row.secret_sealed).not.toContain(form);
      expect(row.secret_sealed).not.toContain(totpSecretBase32(user.secret));
    });

    it('writes neither the secret nor recovery codes to the log', async () => {
      const user = await mfaUser();
      await mfaStep(r, await passwordStep(r, user.email, user.password), {
        recovery_code: user.recoveryCodes[0] ?? '',
      });
      const logs = r.logText();
      expect(logs).toContain('mfa.enabled');
      expect(logs).not.toContain(totpSecretBase32(user.secret));
      for (const code of user.recoveryCodes) expect(logs).not.toContain(code);
    });
  });
}

describe('MFA required by role', () => {
  let r: TestRampart;
  const events: SecurityEvent[] = [];

  beforeAll(async () => {
    freezeTime();
    r = await startTestRampart({ overrides: { mfa: { requiredRoles: ['ADMIN'] } } });
    r.events.subscribe('test', (e) => {
      events.push(e);
    });
  });
  afterAll(async () => {
    await r?.close();
    vi.useRealTimers();
  });

  function enroll(mfaToken: string) {
    return r.app.inject({
      method: 'POST',
      url: '/v1/auth/login/mfa/enroll',
      payload: { mfa_token: mfaToken },
    });
  }
  function activate(mfaToken: string, code: string) {
    return r.app.inject({
      method: 'POST',
      url: '/v1/auth/login/mfa/activate',
      payload: { mfa_token: mfaToken, code },
    });
  }

  it('signs in accounts of other roles with the password alone', async () => {
    const dev = await createUser(r, 'dev@example.com', ['DEVELOPER']);
    await login(r, dev.email, dev.password);
  });

  it('sends an administrator without MFA through enrolment before any session', async () => {
    const admin = await createUser(r, 'admin-enrol@example.com', ['ADMIN']);
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: admin.email, password: admin.password },
    });
    const body = expectProblem(res, 401, 'mfa_enrollment_required');
    expect(body.mfa_methods).toEqual(['totp']);
    for (const field of ['access_token', 'refresh_token', 'session_id'])
      expect(body).not.toHaveProperty(field);
    expect(await r.identity.sessions.list(admin.id)).toHaveLength(0);
    const mfaToken = String(body.mfa_token);

    // The enrolment token cannot sign in with a code: there is no factor yet.
    expectProblem(await mfaStep(r, mfaToken, { code: '123456' }), 401, 'mfa_token_invalid');

    const setup = await enroll(mfaToken);
    expect(setup.statusCode, setup.body).toBe(200);
    expect(setup.headers['cache-control']).toBe('no-store');
    const { Secret } = await import('otpauth');
    const secret = Secret.fromBase32(setup.json<{ secret: string }>().secret).bytes;
    expect(setup.json<{ qrCode: string }>().qrCode).toMatch(/^data:image\/svg\+xml;base64,/);

    // A wrong code leaves the token usable; the right one completes the login.
    const wrong = await activate(mfaToken, '12345678');
    expectProblem(wrong, 401, 'invalid_mfa_code');
    expect(await r.identity.sessions.list(admin.id)).toHaveLength(0);
    const before = events.length;
    const done = await activate(mfaToken, nextTotpCode(secret));
    expect(done.statusCode, done.body).toBe(200);
    expect(done.headers['cache-control']).toBe('no-store');
    const body2 = done.json<TokenPairJson & { recoveryCodes: string[] }>();
    expect(body2.recoveryCodes).toHaveLength(10);
    const claims = decodeJwt(body2.access_token);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.auth_time).toBe(Math.floor(Date.now() / 1000));
    expect(claims.roles).toEqual(['ADMIN']);
    expect(events.slice(before).map((e) => e.type)).toEqual(
      expect.arrayContaining(['mfa.enabled', 'auth.login.succeeded']),
    );

    // The token is spent, and the next login asks for a code, not enrolment.
    expectProblem(await enroll(mfaToken), 401, 'mfa_token_invalid');
    expectProblem(await activate(mfaToken, nextTotpCode(secret)), 401, 'mfa_token_invalid');
    const next = await passwordStep(r, admin.email, admin.password, 'mfa_required');
    expect((await mfaStep(r, next, { code: nextTotpCode(secret) })).statusCode).toBe(200);
  });

  it('does not let a verify token enrol a new authenticator', async () => {
    const admin = await createUser(r, 'admin-enrolled@example.com', ['ADMIN']);
    const mfaToken = await passwordStep(r, admin.email, admin.password, 'mfa_enrollment_required');
    const secret = await (async () => {
      const setup = await enroll(mfaToken);
      const { Secret } = await import('otpauth');
      return Secret.fromBase32(setup.json<{ secret: string }>().secret).bytes;
    })();
    expect((await activate(mfaToken, nextTotpCode(secret))).statusCode).toBe(200);
    const verifyToken = await passwordStep(r, admin.email, admin.password, 'mfa_required');
    expectProblem(await enroll(verifyToken), 401, 'mfa_token_invalid');
  });

  it('sends an administrator through enrolment again after an MFA reset', async () => {
    const boss = await createUser(r, 'boss@example.com', ['ADMIN']);
    const other = await createUser(r, 'other-admin@example.com', ['ADMIN']);
    const { Secret } = await import('otpauth');
    async function enrolAndSignIn(user: { email: string; password: string }) {
      const token = await passwordStep(r, user.email, user.password, 'mfa_enrollment_required');
      const setup = await enroll(token);
      const secret = Secret.fromBase32(setup.json<{ secret: string }>().secret).bytes;
      const res = await activate(token, nextTotpCode(secret));
      expect(res.statusCode, res.body).toBe(200);
      return res.json<TokenPairJson>().access_token;
    }
    const bossToken = await enrolAndSignIn(boss);
    await enrolAndSignIn(other);
    const res = await r.app.inject({
      method: 'DELETE',
      url: `/v1/admin/accounts/${other.id}/mfa`,
      headers: bearer(bossToken),
    });
    expect(res.statusCode, res.body).toBe(204);
    await passwordStep(r, other.email, other.password, 'mfa_enrollment_required');
  });
});
