import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  bearer,
  createAdmin,
  createUser,
  expectProblem,
  login,
  type TestUser,
} from '../../../test/support/http-helpers.js';
import {
  currentTotpCode,
  enableTotp,
  freezeTime,
  loginWithTotp,
  mfaStep,
  nextTotpCode,
  passwordStep,
  type TotpEnrolmentJson,
} from '../../../test/support/mfa-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import type { SecurityEvent } from '../../events/security-event.js';

describe('MFA routes', () => {
  let r: TestRampart;
  let admin: TestUser;
  const events: SecurityEvent[] = [];
  let n = 0;

  beforeAll(async () => {
    freezeTime();
    r = await startTestRampart();
    r.events.subscribe('test', (e) => {
      events.push(e);
    });
    admin = await createAdmin(r);
  });
  afterAll(async () => {
    await r?.close();
    vi.useRealTimers();
  });

  /** A fresh account, signed in with its password only. */
  async function newUser(): Promise<TestUser & { id: string }> {
    const user = await createUser(r, `mfa-user-${++n}@example.com`);
    return { ...user, token: await login(r, user.email, user.password) };
  }

  /** Subjects of the mails sent to `email` (the test server's mailer writes to the log). */
  function mailsTo(email: string): string[] {
    return r.logs
      .map((l) => l.mail as { to?: string; subject?: string } | undefined)
      .filter((m) => m?.to === email)
      .map((m) => String(m?.subject));
  }

  function status(token: string) {
    return r.app.inject({ method: 'GET', url: '/v1/mfa', headers: bearer(token) });
  }

  it('reports MFA off for a new account', async () => {
    const user = await newUser();
    const res = await status(user.token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      totp: { enabled: false, enabledAt: null },
      recoveryCodesRemaining: 0,
    });
  });

  it('starts enrolment with the secret as text, otpauth URL and an SVG QR code, never cached', async () => {
    const user = await newUser();
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/mfa/totp/setup',
      headers: bearer(user.token),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json<TotpEnrolmentJson>();
    expect(Object.keys(body).sort()).toEqual(['otpauthUrl', 'qrCode', 'secret']);
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits in base32
    const url = new URL(body.otpauthUrl);
    expect(url.protocol).toBe('otpauth:');
    expect(url.searchParams.get('secret')).toBe(body.secret);
    expect(url.searchParams.get('issuer')).toBe('Rampart');
    expect(decodeURIComponent(url.pathname)).toBe(`/Rampart:${user.email}`);
    expect(body.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    const svg = Buffer.from(body.qrCode.split(',')[1] ?? '', 'base64').toString('utf8');
    expect(svg).toContain('<svg');
    // Setup alone does not turn MFA on.
    expect((await status(user.token)).json()).toMatchObject({ totp: { enabled: false } });
  });

  it('activates with a code, returns ten recovery codes once, and emits mfa.enabled', async () => {
    const user = await newUser();
    const before = events.length;
    const { recoveryCodes } = await enableTotp(r, user.token);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect(events.slice(before).map((e) => e.type)).toContain('mfa.enabled');
    expect(events.find((e) => e.type === 'mfa.enabled' && e.target?.id === user.id)).toMatchObject({
      outcome: 'success',
      actor: { kind: 'user', id: user.id },
    });
    const res = await status(user.token);
    expect(res.json()).toEqual({
      totp: { enabled: true, enabledAt: new Date(Date.now()).toISOString() },
      recoveryCodesRemaining: 10,
    });
    // An attacker with a stolen session could lock the owner out this way: tell them.
    expect(mailsTo(user.email)).toEqual(['Two-factor sign-in was turned on']);
  });

  it('refuses a wrong activation code and activation without setup', async () => {
    const user = await newUser();
    expectProblem(
      await r.app.inject({
        method: 'POST',
        url: '/v1/mfa/totp/activate',
        headers: bearer(user.token),
        payload: { code: '123456' },
      }),
      409,
      'mfa_setup_required',
    );
    await r.app.inject({ method: 'POST', url: '/v1/mfa/totp/setup', headers: bearer(user.token) });
    const wrong = await r.app.inject({
      method: 'POST',
      url: '/v1/mfa/totp/activate',
      headers: bearer(user.token),
      payload: { code: '000000' },
    });
    // One in a million, 000000 is the right code; then this test proves nothing either way.
    if (wrong.statusCode !== 200) expectProblem(wrong, 401, 'invalid_mfa_code');
  });

  it('refuses setup and activation once TOTP is on (409 mfa_already_enabled)', async () => {
    const user = await newUser();
    const { secret } = await enableTotp(r, user.token);
    expectProblem(
      await r.app.inject({
        method: 'POST',
        url: '/v1/mfa/totp/setup',
        headers: bearer(user.token),
      }),
      409,
      'mfa_already_enabled',
    );
    expectProblem(
      await r.app.inject({
        method: 'POST',
        url: '/v1/mfa/totp/activate',
        headers: bearer(user.token),
        payload: { code: nextTotpCode(secret) },
      }),
      409,
      'mfa_already_enabled',
    );
  });

  it('replaces recovery codes for a current code: the old ones stop working', async () => {
    const user = await newUser();
    const { secret, recoveryCodes: old } = await enableTotp(r, user.token);
    const before = events.length;
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/mfa/recovery-codes',
      headers: bearer(user.token),
      payload: { code: nextTotpCode(secret) },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const fresh = res.json<{ recoveryCodes: string[] }>().recoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(fresh.some((c) => old.includes(c))).toBe(false);
    expect(events.slice(before).map((e) => e.type)).toContain('mfa.recovery_codes.regenerated');
    expect(mailsTo(user.email)).toContain('New recovery codes were made');

    const stale = await mfaStep(r, await passwordStep(r, user.email, user.password), {
      recovery_code: old[0] ?? '',
    });
    expectProblem(stale, 401, 'invalid_mfa_code');
    const ok = await mfaStep(r, await passwordStep(r, user.email, user.password), {
      recovery_code: fresh[0] ?? '',
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await status(user.token)).json()).toMatchObject({ recoveryCodesRemaining: 9 });
  });

  it('refuses new recovery codes for a wrong or replayed code, and without MFA', async () => {
    const user = await newUser();
    expectProblem(
      await r.app.inject({
        method: 'POST',
        url: '/v1/mfa/recovery-codes',
        headers: bearer(user.token),
        payload: { code: '123456' },
      }),
      409,
      'mfa_not_enabled',
    );
    const { secret } = await enableTotp(r, user.token);
    // The activation code is spent already.
    expectProblem(
      await r.app.inject({
        method: 'POST',
        url: '/v1/mfa/recovery-codes',
        headers: bearer(user.token),
        payload: { code: currentTotpCode(secret) },
      }),
      401,
      'invalid_credentials',
    );
  });

  describe('DELETE /v1/mfa/totp', () => {
    function disable(token: string, payload: Record<string, unknown>) {
      return r.app.inject({
        method: 'DELETE',
        url: '/v1/mfa/totp',
        headers: bearer(token),
        payload,
      });
    }

    it('needs both the password and a code', async () => {
      const user = await newUser();
      const { secret } = await enableTotp(r, user.token);
      expectProblem(
        await disable(user.token, { password: user.password }),
        400,
        'validation_failed',
      );
      expectProblem(
        await disable(user.token, { code: nextTotpCode(secret) }),
        400,
        'validation_failed',
      );
      expectProblem(
        await disable(user.token, {
          password: 'not the password at all',
          code: nextTotpCode(secret),
        }),
        401,
        'invalid_credentials',
      );
      const wrongCode = await disable(user.token, { password: user.password, code: '12345678' });
      expectProblem(wrongCode, 401, 'invalid_credentials');
      expect((await status(user.token)).json()).toMatchObject({ totp: { enabled: true } });
    });

    it('turns TOTP off with both, emits mfa.disabled, and the next login needs only the password', async () => {
      const user = await newUser();
      const { secret } = await enableTotp(r, user.token);
      const before = events.length;
      const res = await disable(user.token, {
        password: user.password,
        code: nextTotpCode(secret),
      });
      expect(res.statusCode, res.body).toBe(204);
      expect(events.slice(before).map((e) => e.type)).toContain('mfa.disabled');
      expect(mailsTo(user.email)).toContain('Two-factor sign-in was turned off');
      expect((await status(user.token)).json()).toEqual({
        totp: { enabled: false, enabledAt: null },
        recoveryCodesRemaining: 0,
      });
      await login(r, user.email, user.password);
      expectProblem(
        await disable(user.token, { password: user.password, code: '123456' }),
        409,
        'mfa_not_enabled',
      );
    });
  });

  describe('DELETE /v1/admin/accounts/:id/mfa', () => {
    it('lets an administrator remove an account’s MFA, with an mfa.reset event', async () => {
      const user = await newUser();
      const { secret } = await enableTotp(r, user.token);
      await loginWithTotp(r, user, secret);
      const before = events.length;
      const res = await r.app.inject({
        method: 'DELETE',
        url: `/v1/admin/accounts/${user.id}/mfa`,
        headers: bearer(admin.token),
      });
      expect(res.statusCode, res.body).toBe(204);
      const reset = events.slice(before).find((e) => e.type === 'mfa.reset');
      expect(reset).toMatchObject({
        target: { type: 'account', id: user.id },
        details: { wasEnabled: true },
      });
      expect(reset?.actor.id).not.toBe(user.id);
      expect(mailsTo(user.email)).toContain('An administrator removed your two-factor sign-in');
      // The owner signs in with the password alone and may enrol again.
      const token = await login(r, user.email, user.password);
      await enableTotp(r, token);
    });

    it('is for administrators only', async () => {
      const user = await newUser();
      const other = await newUser();
      expectProblem(
        await r.app.inject({
          method: 'DELETE',
          url: `/v1/admin/accounts/${other.id}/mfa`,
          headers: bearer(user.token),
        }),
        403,
        'permission_denied',
      );
      expectProblem(
        await r.app.inject({ method: 'DELETE', url: `/v1/admin/accounts/${other.id}/mfa` }),
        401,
        'authentication_required',
      );
    });

    it('answers 404 for an unknown account', async () => {
      expectProblem(
        await r.app.inject({
          method: 'DELETE',
          url: '/v1/admin/accounts/no-such-account/mfa',
          headers: bearer(admin.token),
        }),
        404,
        'account_not_found',
      );
    });
  });

  it('requires authentication on every /v1/mfa route', async () => {
    const routes: [string, string, Record<string, unknown> | undefined][] = [
      ['GET', '/v1/mfa', undefined],
      ['POST', '/v1/mfa/totp/setup', undefined],
      ['POST', '/v1/mfa/totp/activate', { code: '123456' }],
      ['DELETE', '/v1/mfa/totp', { password: 'whatever it is', code: '123456' }],
      ['POST', '/v1/mfa/recovery-codes', { code: '123456' }],
    ];
    for (const [method, url, payload] of routes) {
      const res = await r.app.inject({
        method: method as 'GET',
        url,
        ...(payload ? { payload } : {}),
      });
      expectProblem(res, 401, 'authentication_required');
    }
  });

  it('answers malformed input with a 4xx problem, never a 500', async () => {
    const user = await newUser();
    const auth = bearer(user.token);
    const cases: [string, string, unknown][] = [
      ['POST', '/v1/mfa/totp/activate', { code: '123456', extra: true }],
      ['POST', '/v1/mfa/totp/activate', { code: 123456 }],
      ['POST', '/v1/mfa/totp/activate', { code: '12345' }],
      ['POST', '/v1/mfa/totp/activate', { code: 'abcdef' }],
      ['POST', '/v1/mfa/totp/activate', { code: '１２３４５６' }],
      ['POST', '/v1/mfa/totp/activate', {}],
      ['POST', '/v1/mfa/totp/activate', []],
      ['POST', '/v1/mfa/totp/activate', 'null'],
      ['POST', '/v1/mfa/recovery-codes', { code: ['123456'] }],
      ['DELETE', '/v1/mfa/totp', { password: 'x'.repeat(5000), code: '123456' }],
      ['DELETE', '/v1/mfa/totp', { password: 'a password', code: '123456', admin: true }],
      ['POST', '/v1/auth/login/mfa/enroll', { mfa_token: 'short' }],
      ['POST', '/v1/auth/login/mfa/enroll', { mfa_token: 'x'.repeat(40), code: '123456' }],
      ['POST', '/v1/auth/login/mfa/activate', { mfa_token: 'x'.repeat(40) }],
      ['POST', '/v1/auth/login/mfa/activate', { mfa_token: 'x'.repeat(40), code: '12 456' }],
      ['POST', '/v1/auth/login/mfa', { mfa_token: 'x'.repeat(40), code: '123456', x: 1 }],
    ];
    for (const [method, url, payload] of cases) {
      const res = await r.app.inject({
        method: method as 'POST',
        url,
        headers: { ...auth, 'content-type': 'application/json' },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(payload)}`).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const broken = await r.app.inject({
      method: 'POST',
      url: '/v1/mfa/totp/activate',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"code": "123',
    });
    expectProblem(broken, 400, 'invalid_json');
  });

  it('never answers 5xx to arbitrary JSON bodies on the MFA routes', async () => {
    const user = await newUser();
    await enableTotp(r, user.token);
    const field = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.stringMatching(/^[0-9]{6}$/),
      fc.integer(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
    );
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.record(
        { code: field, password: field, mfa_token: field, recovery_code: field },
        { requiredKeys: [] },
      ),
    );
    const routes: ['POST' | 'DELETE', string][] = [
      ['POST', '/v1/mfa/totp/activate'],
      ['POST', '/v1/mfa/recovery-codes'],
      ['DELETE', '/v1/mfa/totp'],
      ['POST', '/v1/auth/login/mfa'],
      ['POST', '/v1/auth/login/mfa/enroll'],
      ['POST', '/v1/auth/login/mfa/activate'],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, async ([method, url], payload) => {
        const res = await r.app.inject({
          method,
          url,
          headers: { ...bearer(user.token), 'content-type': 'application/json' },
          payload: JSON.stringify(payload) ?? 'null',
          // Its own network, so the failures it records throttle no other test.
          remoteAddress: '203.0.113.99',
        });
        expect(res.statusCode, `${method} ${url} ${res.body}`).toBeLessThan(500);
        // A random code may, one time in a million, be right; anything else is a problem.
        if (res.statusCode >= 400)
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }),
      { numRuns: 150 },
    );
  });

  it('answers an unknown or wrong-purpose mfa_token with 401 mfa_token_invalid', async () => {
    const user = await newUser();
    const { secret } = await enableTotp(r, user.token);
    const verifyToken = await passwordStep(r, user.email, user.password);
    for (const url of ['/v1/auth/login/mfa/enroll', '/v1/auth/login/mfa/activate']) {
      for (const mfaToken of [verifyToken, `rmpmfa_${'A'.repeat(43)}`]) {
        const res = await r.app.inject({
          method: 'POST',
          url,
          payload: {
            mfa_token: mfaToken,
            ...(url.endsWith('activate') ? { code: currentTotpCode(secret) } : {}),
          },
        });
        expectProblem(res, 401, 'mfa_token_invalid');
      }
    }
    // The verify token still completes its own login.
    const res = await mfaStep(r, verifyToken, { code: nextTotpCode(secret) });
    expect(res.statusCode, res.body).toBe(200);
  });
});
