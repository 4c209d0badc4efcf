import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createUser,
  expectProblem,
  loginSession,
} from '../../../test/support/http-helpers.js';
import { type SmtpSink, startSmtpSink } from '../../../test/support/smtp-sink.js';
import {
  startTestRampart,
  strongPassword,
  type TestRampart,
} from '../../../test/support/test-rampart.js';
import type { SecurityEvent } from '../../events/security-event.js';

function change(
  r: TestRampart,
  accessToken: string,
  body: Record<string, unknown>,
  remoteAddress = '198.51.100.30',
) {
  return r.app.inject({
    method: 'POST',
    url: '/v1/auth/password/change',
    headers: bearer(accessToken),
    payload: body,
    remoteAddress,
  });
}

function me(r: TestRampart, accessToken: string) {
  return r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(accessToken) });
}

function refresh(r: TestRampart, refreshToken: string) {
  return r.app.inject({
    method: 'POST',
    url: '/v1/auth/refresh',
    payload: { refresh_token: refreshToken },
  });
}

function loginAttempt(r: TestRampart, email: string, password: string) {
  return r.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
}

describe('POST /v1/auth/password/change', () => {
  let sink: SmtpSink;
  let r: TestRampart;
  const events: SecurityEvent[] = [];
  beforeAll(async () => {
    sink = await startSmtpSink();
    r = await startTestRampart({
      overrides: { mail: { transport: 'smtp', smtpUrl: sink.url } },
    });
    r.events.subscribe('test', (e) => {
      events.push(e);
    });
  });
  afterAll(async () => {
    await r?.close();
    await sink?.close();
  });

  it('sets the new password, ends every other session and keeps this one', async () => {
    const user = await createUser(r, 'changer@example.com');
    const current = await loginSession(r, user.email, user.password);
    const other = await loginSession(r, user.email, user.password);
    const third = await loginSession(r, user.email, user.password);
    const newPassword = strongPassword();

    const res = await change(r, current.access_token, {
      current_password: user.password,
      new_password: newPassword,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ended_sessions: 2 });
    expect(res.headers['cache-control']).toBe('no-store');

    // ASVS 3.3.3: the other sessions and their access tokens die at once.
    for (const session of [other, third]) {
      expectProblem(await me(r, session.access_token), 401, 'invalid_token');
      expectProblem(await refresh(r, session.refresh_token), 401, 'invalid_refresh_token');
    }
    // This one goes on: its access token and its refresh token still work.
    expect((await me(r, current.access_token)).statusCode).toBe(200);
    expect((await refresh(r, current.refresh_token)).statusCode).toBe(200);

    expectProblem(await loginAttempt(r, user.email, user.password), 401, 'invalid_credentials');
    await loginSession(r, user.email, newPassword);

    const notice = await sink.nextFor(user.email);
    expect(notice.subject).toBe('Your password was changed');
    expect(notice.text).toContain('198.51.100.30');
    const changed = events.find((e) => e.type === 'password.changed' && e.target?.id === user.id);
    expect(changed?.details).toEqual({ endedSessions: 2 });
    expect(JSON.stringify(events)).not.toContain(newPassword);
  });

  it('refuses a wrong current password like a failed login', async () => {
    const user = await createUser(r, 'wrong-current@example.com');
    const session = await loginSession(r, user.email, user.password);
    const other = await loginSession(r, user.email, user.password);
    const newPassword = strongPassword();
    const res = await change(r, session.access_token, {
      current_password: 'not the current password',
      new_password: newPassword,
    });
    const body = expectProblem(res, 401, 'invalid_credentials');
    const failedLogin = expectProblem(
      await loginAttempt(r, user.email, 'not the current password'),
      401,
      'invalid_credentials',
    );
    const { requestId: _a, instance: _i, ...a } = body;
    const { requestId: _b, instance: _j, ...b } = failedLogin;
    expect(a).toEqual(b);
    // Nothing changed: the old password works, the other session lives.
    await loginSession(r, user.email, user.password);
    expect((await me(r, other.access_token)).statusCode).toBe(200);
  });

  it('counts wrong current passwords toward the lockout budget', async () => {
    const user = await createUser(r, 'guessed@example.com');
    const stolen = await loginSession(r, user.email, user.password);
    for (let i = 0; i < 3; i++) {
      expectProblem(
        await change(r, stolen.access_token, {
          current_password: `guess number ${i}`,
          new_password: strongPassword(),
        }),
        401,
        'invalid_credentials',
      );
    }
    // Two failed logins finish the budget of five: the account locks.
    for (let i = 0; i < 2; i++)
      expectProblem(
        await loginAttempt(r, user.email, `login guess ${i}`),
        401,
        'invalid_credentials',
      );
    expectProblem(await loginAttempt(r, user.email, user.password), 401, 'invalid_credentials');
    // Locked, even the right current password is refused.
    expectProblem(
      await change(r, stolen.access_token, {
        current_password: user.password,
        new_password: strongPassword(),
      }),
      401,
      'invalid_credentials',
    );
    expect(
      events.filter((e) => e.type === 'auth.account.locked' && e.target?.id === user.id),
    ).toHaveLength(1);
  });

  it('locks the account when password-change guesses alone use up the budget', async () => {
    const user = await createUser(r, 'change-locked@example.com');
    const stolen = await loginSession(r, user.email, user.password);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        change(r, stolen.access_token, {
          current_password: `concurrent guess ${i}`,
          new_password: strongPassword(),
        }),
      ),
    );
    for (const res of results) expectProblem(res, 401, 'invalid_credentials');
    const reasons = events
      .filter((e) => e.type === 'password.change.failed' && e.target?.id === user.id)
      .map((e) => e.details.reason);
    expect(reasons.filter((x) => x === 'wrong_password').length).toBeLessThanOrEqual(5);
    expect(
      events.filter((e) => e.type === 'auth.account.locked' && e.target?.id === user.id),
    ).toHaveLength(1);
    expect((await sink.nextFor(user.email)).subject).toMatch(/locked/);
    expectProblem(await loginAttempt(r, user.email, user.password), 401, 'invalid_credentials');
  });

  it('applies the password policy with stable codes and changes nothing', async () => {
    const user = await createUser(r, 'weak-new@example.com');
    const session = await loginSession(r, user.email, user.password);
    const other = await loginSession(r, user.email, user.password);
    for (const [newPassword, code] of [
      ['short', 'password_too_short'],
      ['x'.repeat(129), 'password_too_long'],
      ['password1234', 'password_common'],
      ['weak-new is my whole password', 'password_contains_email'],
    ] as const) {
      const body = expectProblem(
        await change(r, session.access_token, {
          current_password: user.password,
          new_password: newPassword,
        }),
        422,
        code,
      );
      expect(body.violations).toContain(code);
    }
    await loginSession(r, user.email, user.password);
    expect((await me(r, other.access_token)).statusCode).toBe(200);
  });

  it('needs an access token, and a revoked one is refused', async () => {
    const body = { current_password: 'whatever it is', new_password: strongPassword() };
    expectProblem(
      await r.app.inject({ method: 'POST', url: '/v1/auth/password/change', payload: body }),
      401,
      'authentication_required',
    );
    const user = await createUser(r, 'logged-out@example.com');
    const session = await loginSession(r, user.email, user.password);
    await r.app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: bearer(session.access_token),
    });
    expectProblem(
      await change(r, session.access_token, {
        current_password: user.password,
        new_password: strongPassword(),
      }),
      401,
      'invalid_token',
    );
  });

  it('answers malformed bodies with a 400 problem, never a 500', async () => {
    const user = await createUser(r, 'malformed@example.com');
    const session = await loginSession(r, user.email, user.password);
    for (const payload of [
      {},
      { current_password: user.password },
      { new_password: strongPassword() },
      { current_password: '', new_password: strongPassword() },
      { current_password: user.password, new_password: 'x'.repeat(5000) },
      { current_password: 1, new_password: strongPassword() },
      { current_password: user.password, new_password: strongPassword(), admin: true },
    ]) {
      const res = await change(r, session.access_token, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const raw = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/password/change',
      headers: { ...bearer(session.access_token), 'content-type': 'application/json' },
      payload: '{"current_password":',
    });
    expect(raw.statusCode).toBe(400);
    expect(raw.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
