/**
 * Attack: online password guessing. An attacker fires many guesses at one account, often
 * concurrently and from many nodes' worth of connections, hoping a race lets more guesses
 * through than the budget, or that a locked account answers differently from a wrong
 * password (which would confirm the account exists and that the lock is in place).
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createUser,
  expectProblem,
  loginSession,
} from '../../../test/support/http-helpers.js';
import { testHotStoreKinds } from '../../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import type { SecurityEvent } from '../../events/security-event.js';

function attempt(r: TestRampart, email: string, password: string, remoteAddress = '198.51.100.20') {
  return r.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password },
    remoteAddress,
  });
}

/** The response as a client sees it, minus what differs on every request. */
function shape(res: LightMyRequestResponse) {
  const { requestId: _id, ...body } = res.json<Record<string, unknown>>();
  const headers = { ...res.headers };
  for (const h of ['x-request-id', 'date', 'content-length']) delete headers[h];
  return { status: res.statusCode, body, headers };
}

for (const hot of testHotStoreKinds()) {
  describe(`account lockout (${hot} hot store)`, () => {
    let r: TestRampart;
    const events: SecurityEvent[] = [];
    beforeAll(async () => {
      r = await startTestRampart({ hot });
      r.events.subscribe('test', (e) => {
        events.push(e);
      });
    });
    afterAll(async () => r?.close());

    it('lets twenty concurrent wrong guesses verify at most five passwords', async () => {
      const victim = await createUser(r, 'victim@example.com');
      const before = events.length;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => attempt(r, victim.email, `wrong guess number ${i}!`)),
      );
      for (const res of results) expectProblem(res, 401, 'invalid_credentials');
      const reasons = events
        .slice(before)
        .filter((e) => e.type === 'auth.login.failed')
        .map((e) => e.details.reason);
      expect(reasons.filter((x) => x === 'wrong_password').length).toBeLessThanOrEqual(5);
      expect(reasons.filter((x) => x === 'account_locked').length).toBeGreaterThanOrEqual(15);
      expect(events.slice(before).filter((e) => e.type === 'auth.account.locked')).toHaveLength(1);
      // Even the right password is refused now.
      expectProblem(await attempt(r, victim.email, victim.password), 401, 'invalid_credentials');
    });

    it('counts guesses against one account whatever the casing of its email', async () => {
      const victim = await createUser(r, 'casing@example.com');
      const spellings = [
        'Casing@example.com',
        'CASING@EXAMPLE.COM',
        'casing@Example.Com',
        'cAsInG@example.com',
        'casinG@EXAMPLE.com',
      ];
      for (const email of spellings)
        expectProblem(
          await attempt(r, email, 'definitely not the password'),
          401,
          'invalid_credentials',
        );
      // The budget is spent: the right password under yet another spelling is refused.
      expectProblem(await attempt(r, victim.email, victim.password), 401, 'invalid_credentials');
      const last = events.filter((e) => e.type === 'auth.login.failed').at(-1);
      expect(last?.details.reason).toBe('account_locked');
    });

    it('answers a locked account exactly like a wrong password', async () => {
      const victim = await createUser(r, 'shape@example.com');
      const wrong = await attempt(r, victim.email, 'definitely not the password');
      for (let i = 0; i < 5; i++) await attempt(r, victim.email, 'definitely not the password');
      const locked = await attempt(r, victim.email, victim.password);
      expect(shape(locked)).toEqual(shape(wrong));
      // And an unknown email, locked or not, looks the same too.
      expect(
        shape(await attempt(r, 'nobody-here@example.com', 'definitely not the password')),
      ).toEqual(shape(wrong));
    });

    it('tells the owner by mail and lets an administrator unlock', async () => {
      const victim = await createUser(r, 'notify@example.com');
      for (let i = 0; i < 5; i++) await attempt(r, victim.email, 'definitely not the password');
      const mail = r.logs.find((l) => (l.mail as { to?: string } | undefined)?.to === victim.email);
      expect((mail?.mail as { subject?: string } | undefined)?.subject).toContain('locked');

      const admin = await createUser(r, `admin-${hot}@example.com`, ['ADMIN']);
      const adminSession = await loginSession(r, admin.email, admin.password);
      const unlock = await r.app.inject({
        method: 'POST',
        url: `/v1/admin/accounts/${victim.id}/unlock`,
        headers: bearer(adminSession.access_token),
      });
      expect(unlock.statusCode).toBe(204);
      expect((await attempt(r, victim.email, victim.password)).statusCode).toBe(200);
      expect(
        events.some((e) => e.type === 'auth.account.unlocked' && e.target?.id === victim.id),
      ).toBe(true);
    });

    it('refuses unlocking to a non-administrator', async () => {
      const user = await createUser(r, `plain-${hot}@example.com`);
      const session = await loginSession(r, user.email, user.password);
      expectProblem(
        await r.app.inject({
          method: 'POST',
          url: `/v1/admin/accounts/${user.id}/unlock`,
          headers: bearer(session.access_token),
        }),
        403,
        'permission_denied',
      );
    });
  });
}

describe('network throttling', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({ overrides: { lockout: { ipMaxFailures: 3 } } });
  });
  afterAll(async () => r?.close());

  it('throttles a network (IPv6 by /64) with 429 and Retry-After after its failure budget', async () => {
    for (let i = 0; i < 3; i++)
      await attempt(r, `probe${i}@example.com`, 'definitely not the password', '2001:db8:5:6::1');
    const res = await attempt(
      r,
      'another@example.com',
      'definitely not the password',
      '2001:db8:5:6:ffff::9',
    );
    expectProblem(res, 429, 'too_many_attempts');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // Another network is not affected.
    expectProblem(
      await attempt(r, 'another@example.com', 'definitely not the password', '2001:db8:5:7::1'),
      401,
      'invalid_credentials',
    );
  });
});
