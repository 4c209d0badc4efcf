/**
 * Attacks on password reset: an attacker (1) asks for resets to learn which emails have
 * accounts, from the answer or its timing; (2) floods an inbox or the mailer with reset
 * requests; (3) replays a reset link already used, an expired one, or one replaced by a
 * newer link, or races two resets with one token; (4) keeps using sessions and tokens
 * stolen before the owner reset the password. Every step goes through a real SMTP server.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port.js';
import {
  bearer,
  createUser,
  expectProblem,
  loginSession,
} from '../../../test/support/http-helpers.js';
import { type SmtpSink, startSmtpSink } from '../../../test/support/smtp-sink.js';
import { testDatabaseKinds, testHotStoreKinds } from '../../../test/support/test-databases.js';
import {
  startTestRampart,
  strongPassword,
  type TestRampart,
} from '../../../test/support/test-rampart.js';
import type { SecurityEvent } from '../../events/security-event.js';

const resetLink = /https:\/\/app\.example\.com\/reset#token=([A-Za-z0-9_%-]+)/;

function requestReset(r: TestRampart, email: string, remoteAddress = '203.0.113.7') {
  return r.app.inject({
    method: 'POST',
    url: '/v1/auth/password/reset-request',
    payload: { email },
    remoteAddress,
  });
}

function reset(r: TestRampart, token: string, newPassword: string) {
  return r.app.inject({
    method: 'POST',
    url: '/v1/auth/password/reset',
    payload: { token, new_password: newPassword },
  });
}

function refresh(r: TestRampart, refreshToken: string) {
  return r.app.inject({
    method: 'POST',
    url: '/v1/auth/refresh',
    payload: { refresh_token: refreshToken },
  });
}

function me(r: TestRampart, accessToken: string) {
  return r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(accessToken) });
}

function loginAttempt(r: TestRampart, email: string, password: string) {
  return r.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
}

/** What a client can observe of a response, minus what differs on every request. */
function shape(res: LightMyRequestResponse) {
  const headers = { ...res.headers };
  for (const h of ['x-request-id', 'date']) delete headers[h];
  return { status: res.statusCode, body: res.body, headers };
}

/** SQLite with the memory hot store always; PostgreSQL with Redis when both are configured. */
const backends: { database: 'sqlite' | 'postgres'; hot: 'memory' | 'redis' }[] = [
  { database: 'sqlite', hot: 'memory' },
  ...(testDatabaseKinds().includes('postgres') && testHotStoreKinds().includes('redis')
    ? [{ database: 'postgres', hot: 'redis' } as const]
    : []),
];

for (const backend of backends)
  describe(`password reset through a real SMTP server (${backend.database}, ${backend.hot})`, () => {
    let sink: SmtpSink;
    let r: TestRampart;
    const events: SecurityEvent[] = [];

    /** Requests a reset and reads the token out of the mail that arrives. */
    async function mailedToken(email: string, remoteAddress?: string): Promise<string> {
      const res = await requestReset(r, email, remoteAddress);
      expect(res.statusCode, res.body).toBe(202);
      const mail = await sink.nextFor(email);
      expect(mail.subject).toBe('Reset your password');
      const match = resetLink.exec(mail.text);
      expect(match, mail.text).not.toBeNull();
      return decodeURIComponent(match?.[1] ?? '');
    }

    beforeAll(async () => {
      sink = await startSmtpSink();
      r = await startTestRampart({
        ...backend,
        overrides: {
          mail: { transport: 'smtp', smtpUrl: sink.url, from: 'Rampart <security@example.com>' },
          passwordReset: {
            url: 'https://app.example.com/reset#token={token}',
            maxRequestsPerEmail: 3,
            maxRequestsPerIp: 1000,
          },
        },
      });
      r.events.subscribe('test', (e) => {
        events.push(e);
      });
    });
    afterAll(async () => {
      await r?.close();
      await sink?.close();
    });

    it('resets the password with the mailed link and ends every session and token', async () => {
      const user = await createUser(r, 'reset-me@example.com');
      const laptop = await loginSession(r, user.email, user.password);
      const phone = await loginSession(r, user.email, user.password);

      const res = await requestReset(r, user.email);
      expect(res.statusCode).toBe(202);
      const mail = await sink.nextFor(user.email);
      expect(mail.from).toBe('security@example.com');
      expect(mail.to).toEqual([user.email]);
      const token = decodeURIComponent(resetLink.exec(mail.text)?.[1] ?? '');
      // 256 bits of randomness behind a fixed prefix, base64url.
      expect(token).toMatch(/^rmprst_[A-Za-z0-9_-]{43}$/);

      const newPassword = strongPassword();
      const done = await reset(r, token, newPassword);
      expect(done.statusCode, done.body).toBe(200);
      expect(done.json()).toEqual({ ended_sessions: 2 });

      expectProblem(await loginAttempt(r, user.email, user.password), 401, 'invalid_credentials');
      await loginSession(r, user.email, newPassword);
      for (const session of [laptop, phone]) {
        expectProblem(await me(r, session.access_token), 401, 'invalid_token');
        expectProblem(await refresh(r, session.refresh_token), 401, 'invalid_refresh_token');
      }
      const notice = await sink.nextFor(user.email);
      expect(notice.subject).toBe('Your password was reset');
      expect(events.some((e) => e.type === 'password.reset' && e.target?.id === user.id)).toBe(
        true,
      );
    });

    it('stores the token only as a hash', async () => {
      const user = await createUser(r, 'hashed@example.com');
      const token = await mailedToken(user.email);
      const rows = await r.database.db
        .selectFrom('password_reset_tokens')
        .select(['token_hash', 'expires_at', 'created_at'])
        .where('account_id', '=', user.id)
        .execute();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(token);
      expect(JSON.stringify(rows)).not.toContain(token.slice(7));
      // The configured TTL (default 15 min).
      expect(Number(rows[0]?.expires_at) - Number(rows[0]?.created_at)).toBe(900_000);
      expect(r.logText()).not.toContain(token.slice(7));
    });

    it('accepts a token once', async () => {
      const user = await createUser(r, 'once@example.com');
      const token = await mailedToken(user.email);
      expect((await reset(r, token, strongPassword())).statusCode).toBe(200);
      expectProblem(await reset(r, token, strongPassword()), 400, 'password_reset_token_invalid');
    });

    it('lets exactly one of two concurrent resets with one token win', async () => {
      const user = await createUser(r, 'race@example.com');
      const token = await mailedToken(user.email);
      const passwords = [strongPassword(), strongPassword(), strongPassword(), strongPassword()];
      const results = await Promise.all(passwords.map((p) => reset(r, token, p)));
      const winners = results.filter((res) => res.statusCode === 200);
      expect(winners).toHaveLength(1);
      for (const res of results.filter((x) => x.statusCode !== 200))
        expectProblem(res, 400, 'password_reset_token_invalid');
      const winner = passwords[results.indexOf(winners[0] as LightMyRequestResponse)] as string;
      await loginSession(r, user.email, winner);
    });

    it('refuses an expired token', async () => {
      const user = await createUser(r, 'expired@example.com');
      const token = await mailedToken(user.email);
      // Fifteen minutes pass.
      await r.database.db
        .updateTable('password_reset_tokens')
        .set({ expires_at: Date.now() - 1 })
        .where('account_id', '=', user.id)
        .execute();
      expectProblem(await reset(r, token, strongPassword()), 400, 'password_reset_token_invalid');
      await loginSession(r, user.email, user.password);
    });

    it('kills an earlier unused link when a newer one is sent', async () => {
      const user = await createUser(r, 'newer@example.com');
      const first = await mailedToken(user.email);
      const second = await mailedToken(user.email);
      expect(second).not.toBe(first);
      expectProblem(await reset(r, first, strongPassword()), 400, 'password_reset_token_invalid');
      expect((await reset(r, second, strongPassword())).statusCode).toBe(200);
    });

    it('keeps the token when the new password breaks the policy', async () => {
      const user = await createUser(r, 'policy@example.com');
      const token = await mailedToken(user.email);
      expectProblem(await reset(r, token, 'short'), 422, 'password_too_short');
      expectProblem(await reset(r, token, 'password1234'), 422, 'password_common');
      const body = expectProblem(
        await reset(r, token, 'my name is policy and that is all'),
        422,
        'password_contains_email',
      );
      expect(body.violations).toEqual(['password_contains_email']);
      expect((await reset(r, token, strongPassword())).statusCode).toBe(200);
    });

    it('refuses made-up and malformed tokens with a problem, never a 500', async () => {
      expectProblem(
        await reset(r, `rmprst_${'A'.repeat(43)}`, strongPassword()),
        400,
        'password_reset_token_invalid',
      );
      for (const payload of [
        {},
        { token: 'short', new_password: strongPassword() },
        { token: 'x'.repeat(300), new_password: strongPassword() },
        { token: `rmprst_${'A'.repeat(43)}` },
        { token: 42, new_password: strongPassword() },
        { token: `rmprst_${'A'.repeat(43)}`, new_password: strongPassword(), extra: 1 },
      ]) {
        const res = await r.app.inject({ method: 'POST', url: '/v1/auth/password/reset', payload });
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      for (const payload of [{}, { email: 'not-an-email' }, { email: 'a@b' }, { email: 7 }]) {
        const res = await r.app.inject({
          method: 'POST',
          url: '/v1/auth/password/reset-request',
          payload,
        });
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    });

    it('answers an unknown email exactly like a known one and mails nothing', async () => {
      const user = await createUser(r, 'known@example.com');
      const known = await requestReset(r, user.email);
      const unknown = await requestReset(r, 'nobody-at-all@example.com');
      expect(shape(unknown)).toEqual(shape(known));
      expect(known.statusCode).toBe(202);
      expect(known.json()).toEqual({
        status: 'accepted',
        message: expect.any(String),
      });
      await r.identity.passwords.whenIdle();
      await sink.nextFor(user.email);
      expect(sink.messagesFor('nobody-at-all@example.com')).toHaveLength(0);
      const requested = events.filter(
        (e) =>
          e.type === 'password.reset.requested' && e.requestId === unknown.headers['x-request-id'],
      );
      expect(requested).toHaveLength(1);
      expect(requested[0]?.details).toEqual({ sent: false, reason: 'unknown_account' });
    });

    it('rate-limits per email, known or not, with a 429 that looks the same for both', async () => {
      const user = await createUser(r, 'flooded@example.com');
      for (const email of [user.email, 'ghost-flood@example.com']) {
        for (let i = 0; i < 3; i++)
          expect((await requestReset(r, email, `198.51.100.${i + 1}`)).statusCode).toBe(202);
      }
      const known = await requestReset(r, user.email, '198.51.100.50');
      const unknown = await requestReset(r, 'ghost-flood@example.com', '198.51.100.50');
      expectProblem(known, 429, 'password_reset_rate_limited');
      expectProblem(unknown, 429, 'password_reset_rate_limited');
      expect(Number(known.headers['retry-after'])).toBeGreaterThan(0);
      const { requestId: _a, ...knownBody } = known.json<Record<string, unknown>>();
      const { requestId: _b, ...unknownBody } = unknown.json<Record<string, unknown>>();
      expect(unknownBody).toEqual(knownBody);
      await r.identity.passwords.whenIdle();
      expect(sink.messagesFor(user.email).length).toBeLessThanOrEqual(3);
      // Email addresses differing only in case share one budget.
      expectProblem(
        await requestReset(r, 'FLOODED@Example.com'),
        429,
        'password_reset_rate_limited',
      );
    });

    it('clears a lockout of the account', async () => {
      const user = await createUser(r, 'locked-out@example.com');
      for (let i = 0; i < 5; i++) await loginAttempt(r, user.email, 'definitely not the password');
      expectProblem(await loginAttempt(r, user.email, user.password), 401, 'invalid_credentials');
      expect((await sink.nextFor(user.email)).subject).toMatch(/locked/);
      const token = await mailedToken(user.email);
      const newPassword = strongPassword();
      expect((await reset(r, token, newPassword)).statusCode).toBe(200);
      await loginSession(r, user.email, newPassword);
    });

    // Whoever reads the mailbox of a suspended account (its owner, or the attacker who
    // took it over) must not unsuspend it with a reset link.
    it('does not lift a lock an administrator imposed', async () => {
      const user = await createUser(r, 'suspended@example.com');
      await r.identity.login.lock(user.email, 3_600_000, { kind: 'user', id: 'an-admin' });
      const token = await mailedToken(user.email);
      const newPassword = strongPassword();
      expect((await reset(r, token, newPassword)).statusCode).toBe(200);
      expectProblem(await loginAttempt(r, user.email, newPassword), 401, 'invalid_credentials');
      const resetEvent = events.findLast(
        (e) => e.type === 'password.reset' && e.target?.id === user.id,
      );
      expect(resetEvent?.details.lockoutCleared).toBe(false);
      await r.identity.login.unlock(user.email, { kind: 'user', id: 'an-admin' });
      await loginSession(r, user.email, newPassword);
    });
  });

describe('password reset request budget per network', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({
      overrides: { mail: { transport: 'none' }, passwordReset: { maxRequestsPerIp: 4 } },
    });
  });
  afterAll(async () => r?.close());

  it('answers 429 once one network has asked for too many emails', async () => {
    for (let i = 0; i < 4; i++)
      expect((await requestReset(r, `spray-${i}@example.com`, '192.0.2.9')).statusCode).toBe(202);
    const res = await requestReset(r, 'spray-last@example.com', '192.0.2.9');
    expectProblem(res, 429, 'password_reset_rate_limited');
    // Another network is not affected.
    expect((await requestReset(r, 'spray-last@example.com', '192.0.2.200')).statusCode).toBe(202);
  });
});

describe('password reset request timing', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({
      overrides: {
        log: { level: 'warn' },
        mail: { transport: 'none' },
        passwordReset: { maxRequestsPerEmail: 1000, maxRequestsPerIp: 1000 },
      },
    });
  });
  afterAll(async () => r?.close());

  it('takes about as long for a registered email as for an unknown one', async () => {
    const user = await createUser(r, 'timed@example.com');
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 40; i++) {
      // Alternate, so drift in the machine's load affects both series alike.
      for (const [email, into] of [
        [user.email, known],
        [`ghost-${i}@example.com`, unknown],
      ] as const) {
        const start = performance.now();
        const res = await requestReset(r, email);
        into.push(performance.now() - start);
        expect(res.statusCode).toBe(202);
      }
      await r.identity.passwords.whenIdle();
    }
    // The lookup, the token and the mail happen after the response: both answers cost
    // two counter increments. Loose bounds keep the test stable on a loaded machine.
    const [k, u] = [median(known), median(unknown)];
    expect(k).toBeLessThan(u * 2 + 2);
    expect(u).toBeLessThan(k * 2 + 2);
  });
});

describe('password reset while the mail server is down', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({
      overrides: { mail: { transport: 'smtp', smtpUrl: `smtp://127.0.0.1:${await freePort()}` } },
    });
  });
  afterAll(async () => r?.close());

  it('still answers 202 and logs the failure without the token', async () => {
    const user = await createUser(r, 'no-mail@example.com');
    const res = await requestReset(r, user.email);
    expect(res.statusCode).toBe(202);
    await r.identity.passwords.whenIdle();
    const failure = r.logs.find((l) => l.msg === 'password mail delivery failed');
    expect(failure).toBeDefined();
    const rows = await r.database.db
      .selectFrom('password_reset_tokens')
      .select('token_hash')
      .where('account_id', '=', user.id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(r.logText()).not.toMatch(/rmprst_[A-Za-z0-9_-]{20,}/);
  });
});
