import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../test/support/http-helpers.js';
import {
  createTestDatabase,
  testHotStoreKinds,
  uniqueRedisPrefix,
} from '../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import type { SecurityEvent } from '../events/security-event.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const hot of testHotStoreKinds()) {
  describe(`IP rules and bans (${hot} hot store)`, () => {
    let r: TestRampart;
    let admin: string;
    let events: SecurityEvent[];
    const operator = '192.0.2.10';

    function health(remoteAddress: string, headers: Record<string, string> = {}) {
      return r.app.inject({ method: 'GET', url: '/health', remoteAddress, headers });
    }
    function adminCall(method: 'POST' | 'GET' | 'DELETE', url: string, payload?: unknown) {
      return r.app.inject({
        method,
        url,
        remoteAddress: operator,
        headers: bearer(admin),
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
    }

    beforeAll(async () => {
      r = await startTestRampart({
        hot,
        overrides: {
          network: {
            allow: ['192.0.2.0/28'],
            deny: ['198.51.100.0/24'],
            trustedProxies: ['10.0.0.1'],
          },
        },
      });
      events = [];
      r.events.subscribe('test', (e) => {
        events.push(e);
      });
      const a = await createUser(r, 'netadmin@example.com', ['ADMIN']);
      admin = await login(r, a.email, a.password);
    });
    afterAll(async () => r?.close());

    it('refuses configured deny ranges before anything else, with a problem and one event a minute', async () => {
      for (let i = 0; i < 3; i++) expectProblem(await health('198.51.100.7'), 403, 'ip_blocked');
      expectProblem(
        await r.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          remoteAddress: '198.51.100.8',
          payload: {},
        }),
        403,
        'ip_blocked',
      );
      expect((await health('203.0.113.1')).statusCode).toBe(200);
      expect(
        events.filter((e) => e.type === 'ip.blocked' && e.details?.network === '198.51.100.7'),
      ).toHaveLength(1);
    });

    it('bans a client at once and lifts the ban', async () => {
      const victim = '203.0.113.50';
      expect((await health(victim)).statusCode).toBe(200);
      const res = await adminCall('POST', '/v1/admin/ip-bans', {
        ip: victim,
        reason: 'credential stuffing',
      });
      expect(res.statusCode, res.body).toBe(201);
      const ban = res.json<{ id: string; cidr: string; action: string }>();
      expect(ban).toMatchObject({ action: 'ban', cidr: victim });
      expectProblem(await health(victim), 403, 'ip_blocked');
      expectProblem(await health(`::ffff:${victim}`), 403, 'ip_blocked');
      expect((await health('203.0.113.51')).statusCode).toBe(200);
      const listed = await adminCall('GET', '/v1/admin/ip-rules');
      expect(listed.json<{ items: { id: string }[] }>().items.map((i) => i.id)).toContain(ban.id);
      expect((await adminCall('DELETE', `/v1/admin/ip-rules/${ban.id}`)).statusCode).toBe(204);
      expect((await health(victim)).statusCode).toBe(200);
      expectProblem(
        await adminCall('DELETE', `/v1/admin/ip-rules/${ban.id}`),
        404,
        'ip_rule_not_found',
      );
    });

    it('bans an IPv6 client by its /64, so rotating addresses does not escape', async () => {
      const res = await adminCall('POST', '/v1/admin/ip-bans', {
        ip: '2001:db8:aa:bb::1',
        duration: 60,
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ cidr: '2001:db8:aa:bb::/64' });
      expectProblem(await health('2001:db8:aa:bb:ffff:1:2:3'), 403, 'ip_blocked');
      expect((await health('2001:db8:aa:bc::1')).statusCode).toBe(200);
    });

    it('a ban with a duration ends by itself; a longer ban of the same client outlives a shorter one', async () => {
      const client = '203.0.113.60';
      const short = await adminCall('POST', '/v1/admin/ip-bans', { ip: client, duration: 1 });
      expect(short.statusCode).toBe(201);
      expectProblem(await health(client), 403, 'ip_blocked');
      await sleep(1150);
      expect((await health(client)).statusCode).toBe(200);

      const long = await adminCall('POST', '/v1/admin/ip-bans', { ip: client, duration: 3600 });
      const brief = await adminCall('POST', '/v1/admin/ip-bans', { ip: client, duration: 1 });
      expect(long.statusCode).toBe(201);
      expect(brief.statusCode).toBe(201);
      await sleep(1150);
      expectProblem(await health(client), 403, 'ip_blocked');
      await adminCall('DELETE', `/v1/admin/ip-rules/${brief.json<{ id: string }>().id}`);
      expectProblem(await health(client), 403, 'ip_blocked');
    });

    it('never blocks an allowlisted operator: bans are refused, deny rules do not apply', async () => {
      const banned = await adminCall('POST', '/v1/admin/ip-bans', { ip: '192.0.2.3' });
      expectProblem(banned, 409, 'ip_allowlisted');
      const deny = await adminCall('POST', '/v1/admin/ip-rules', {
        action: 'deny',
        cidr: '192.0.2.0/24',
      });
      expect(deny.statusCode, deny.body).toBe(201);
      expect((await health(operator)).statusCode).toBe(200);
      expectProblem(await health('192.0.2.200'), 403, 'ip_blocked');
      await adminCall('DELETE', `/v1/admin/ip-rules/${deny.json<{ id: string }>().id}`);
      expect((await health('192.0.2.200')).statusCode).toBe(200);
    });

    it('API allow rules exempt a range from bans; expiring deny rules end', async () => {
      const allow = await adminCall('POST', '/v1/admin/ip-rules', {
        action: 'allow',
        cidr: '203.0.113.128/25',
      });
      expect(allow.statusCode).toBe(201);
      expectProblem(
        await adminCall('POST', '/v1/admin/ip-bans', { ip: '203.0.113.200' }),
        409,
        'ip_allowlisted',
      );
      const deny = await adminCall('POST', '/v1/admin/ip-rules', {
        action: 'deny',
        cidr: '2001:db8:dead::/48',
        expiresAt: new Date(Date.now() + 1000).toISOString(),
      });
      expect(deny.statusCode).toBe(201);
      expectProblem(await health('2001:db8:dead:1::9'), 403, 'ip_blocked');
      await sleep(1100);
      expect((await health('2001:db8:dead:1::9')).statusCode).toBe(200);
    });

    it('an expiring allow rule exempts from a deny rule only until it ends', async () => {
      // Temporary access (an operator travelling) must not outlive its end by up to a
      // reload interval: the deny rule applies again the moment the allow rule expires.
      const deny = await adminCall('POST', '/v1/admin/ip-rules', {
        action: 'deny',
        cidr: '198.18.0.0/28',
      });
      expect(deny.statusCode, deny.body).toBe(201);
      const ends = Date.now() + 2500;
      const allow = await adminCall('POST', '/v1/admin/ip-rules', {
        action: 'allow',
        cidr: '198.18.0.5/32',
        expiresAt: new Date(ends).toISOString(),
      });
      expect(allow.statusCode, allow.body).toBe(201);
      expect((await health('198.18.0.5')).statusCode).toBe(200);
      expectProblem(await health('198.18.0.6'), 403, 'ip_blocked');
      await sleep(ends - Date.now() + 100);
      expectProblem(await health('198.18.0.5'), 403, 'ip_blocked');
      await adminCall('DELETE', `/v1/admin/ip-rules/${deny.json<{ id: string }>().id}`);
    });

    it('believes X-Forwarded-For only from a trusted proxy', async () => {
      const ban = await adminCall('POST', '/v1/admin/ip-bans', {
        ip: '203.0.113.77',
        duration: 60,
      });
      expect(ban.statusCode).toBe(201);
      // Through the trusted proxy: the client it names is banned.
      expectProblem(
        await health('10.0.0.1', { 'x-forwarded-for': '203.0.113.77' }),
        403,
        'ip_blocked',
      );
      // A spoofed left-most entry does not help: the right-most untrusted address counts.
      expectProblem(
        await health('10.0.0.1', { 'x-forwarded-for': '192.0.2.10, 203.0.113.77' }),
        403,
        'ip_blocked',
      );
      // From anyone else the header is ignored, in both directions.
      expect((await health('203.0.113.99', { 'x-forwarded-for': '203.0.113.77' })).statusCode).toBe(
        200,
      );
      expectProblem(
        await health('203.0.113.77', { 'x-forwarded-for': '192.0.2.10' }),
        403,
        'ip_blocked',
      );
    });

    it('admin endpoints need an administrator and valid input', async () => {
      // A developer holds every built-in role short of ADMIN: still not enough.
      const u = await createUser(r, `not-admin-${hot}@example.com`, ['DEVELOPER']);
      const token = await login(r, u.email, u.password);
      const res = await r.app.inject({
        method: 'POST',
        url: '/v1/admin/ip-bans',
        headers: bearer(token),
        payload: { ip: '203.0.113.9' },
      });
      expectProblem(res, 403, 'permission_denied');
      for (const [method, url, payload] of [
        ['GET', '/v1/admin/ip-rules', undefined],
        ['POST', '/v1/admin/ip-rules', { action: 'allow', cidr: '203.0.113.0/24' }],
        ['DELETE', '/v1/admin/ip-rules/any', undefined],
      ] as const) {
        expectProblem(
          await r.app.inject({
            method,
            url,
            headers: bearer(token),
            ...(payload ? { payload } : {}),
          }),
          403,
          'permission_denied',
        );
      }
      expectProblem(
        await adminCall('POST', '/v1/admin/ip-bans', { ip: 'not-an-ip' }),
        400,
        'invalid_ip',
      );
      expectProblem(
        await adminCall('POST', '/v1/admin/ip-bans', { ip: '203.0.113.9', extra: 1 }),
        400,
        'validation_failed',
      );
      expectProblem(
        await adminCall('POST', '/v1/admin/ip-rules', { action: 'deny', cidr: '10.0.0.0/40' }),
        400,
        'invalid_ip',
      );
      expectProblem(
        await adminCall('POST', '/v1/admin/ip-rules', { action: 'ban', cidr: '10.0.0.0/8' }),
        400,
        'validation_failed',
      );
    });
  });
}

describe.runIf(process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL)(
  'IP bans across nodes',
  () => {
    it('a ban on one node holds on the other at once; a restarted node re-seeds it from the database', async () => {
      const database = await createTestDatabase('postgres');
      const redisKeyPrefix = uniqueRedisPrefix();
      const a = await startTestRampart({ join: { database, redisKeyPrefix } });
      const b = await startTestRampart({ join: { database, redisKeyPrefix } });
      try {
        const admin = await createUser(a, 'ban-admin@example.com', ['ADMIN']);
        const token = await login(a, admin.email, admin.password);
        const res = await a.app.inject({
          method: 'POST',
          url: '/v1/admin/ip-bans',
          headers: bearer(token),
          payload: { ip: '203.0.113.5', duration: 600 },
        });
        expect(res.statusCode).toBe(201);
        const probe = (node: TestRampart) =>
          node.app.inject({ method: 'GET', url: '/health', remoteAddress: '203.0.113.5' });
        expectProblem(await probe(b), 403, 'ip_blocked');
        // Redis keeps nothing on disk here: a node starting after the hot store lost the ban
        // puts it back from the database.
        await a.hot.values.delete('ban:203.0.113.5');
        expect((await probe(b)).statusCode).toBe(200);
        const c = await startTestRampart({ join: { database, redisKeyPrefix } });
        await c.close();
        expectProblem(await probe(b), 403, 'ip_blocked');
        // A deny rule reaches the other node through pub/sub.
        const deny = await a.app.inject({
          method: 'POST',
          url: '/v1/admin/ip-rules',
          headers: bearer(token),
          payload: { action: 'deny', cidr: '198.51.100.0/24' },
        });
        expect(deny.statusCode).toBe(201);
        await expect
          .poll(
            async () =>
              (await b.app.inject({ method: 'GET', url: '/health', remoteAddress: '198.51.100.1' }))
                .statusCode,
          )
          .toBe(403);
      } finally {
        await Promise.all([a.close(), b.close()]);
        await database.drop();
      }
    });
  },
);
