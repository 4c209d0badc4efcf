import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../test/support/http-helpers.js';
import {
  startCluster,
  startTestRampart,
  type TestRampart,
} from '../../test/support/test-rampart.js';

describe('rate-limit policies through the API', () => {
  let r: TestRampart;
  let admin: string;
  beforeAll(async () => {
    r = await startTestRampart({
      overrides: {
        rateLimit: {
          routes: [
            {
              name: 'configured',
              method: 'GET',
              url: '/v1/me',
              limit: 100,
              window: 60,
              key: ['user'],
            },
          ],
        },
      },
    });
    const a = await createUser(r, 'limits-admin@example.com', ['ADMIN']);
    admin = await login(r, a.email, a.password);
  });
  afterAll(async () => r?.close());

  const jwks = (ip = '203.0.113.20') =>
    r.app.inject({ method: 'GET', url: '/.well-known/jwks.json', remoteAddress: ip });

  it('adds a policy that applies at once, lists it, and removes it', async () => {
    expect((await jwks()).headers.ratelimit).toBeUndefined();
    const added = await r.app.inject({
      method: 'POST',
      url: '/v1/admin/rate-limits',
      headers: bearer(admin),
      payload: { name: 'jwks', method: 'GET', url: '/.well-known/jwks.json', limit: 2, window: 60 },
    });
    expect(added.statusCode, added.body).toBe(201);
    const rule = added.json<{ id: string; key: string[] }>();
    expect(rule.key).toEqual(['ip']);
    expect((await jwks()).headers['ratelimit-policy']).toBe('"jwks";q=2;w=60');
    expect((await jwks()).statusCode).toBe(200);
    expectProblem(await jwks(), 429, 'quota_exceeded');
    // Keyed by address: another client has its own budget.
    expect((await jwks('203.0.113.21')).statusCode).toBe(200);
    const listed = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/rate-limits',
      headers: bearer(admin),
    });
    expect(listed.json<{ items: { id: string }[] }>().items.map((i) => i.id)).toEqual([rule.id]);
    const removed = await r.app.inject({
      method: 'DELETE',
      url: `/v1/admin/rate-limits/${rule.id}`,
      headers: bearer(admin),
    });
    expect(removed.statusCode).toBe(204);
    const after = await jwks();
    expect(after.statusCode).toBe(200);
    expect(after.headers.ratelimit).toBeUndefined();
    expectProblem(
      await r.app.inject({
        method: 'DELETE',
        url: `/v1/admin/rate-limits/${rule.id}`,
        headers: bearer(admin),
      }),
      404,
      'rate_limit_rule_not_found',
    );
  });

  it('puts API policies ahead of configured ones, and keeps configured ones otherwise', async () => {
    expect(
      (await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(admin) })).headers[
        'ratelimit-policy'
      ],
    ).toBe('"configured";q=100;w=60');
    const added = await r.app.inject({
      method: 'POST',
      url: '/v1/admin/rate-limits',
      headers: bearer(admin),
      payload: {
        name: 'me-tight',
        method: 'GET',
        url: '/v1/me',
        limit: 1,
        window: 60,
        key: ['user'],
      },
    });
    expect(added.statusCode).toBe(201);
    const me = () => r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(admin) });
    expect((await me()).headers['ratelimit-policy']).toBe('"me-tight";q=1;w=60');
    expectProblem(await me(), 429, 'quota_exceeded');
    await r.app.inject({
      method: 'DELETE',
      url: `/v1/admin/rate-limits/${added.json<{ id: string }>().id}`,
      headers: bearer(admin),
    });
    expect((await me()).headers['ratelimit-policy']).toBe('"configured";q=100;w=60');
  });

  it('refuses a clashing name, bad input and non-administrators', async () => {
    const post = (payload: Record<string, unknown>, token = admin) =>
      r.app.inject({
        method: 'POST',
        url: '/v1/admin/rate-limits',
        headers: bearer(token),
        payload,
      });
    expectProblem(
      await post({ name: 'configured', url: '/x', limit: 1 }),
      400,
      'rate_limit_rule_invalid',
    );
    expectProblem(
      await post({ name: 'default', url: '/x', limit: 1 }),
      400,
      'rate_limit_rule_invalid',
    );
    expectProblem(await post({ url: 'no-slash', limit: 1 }), 400, 'validation_failed');
    expectProblem(await post({ url: '/x', limit: -1 }), 400, 'validation_failed');
    expectProblem(await post({ url: '/x', limit: 1, key: ['cookie'] }), 400, 'validation_failed');
    expectProblem(await post({ url: '/x', limit: 1, extra: true }), 400, 'validation_failed');
    // A developer holds every built-in role short of ADMIN: still not enough.
    const u = await createUser(r, 'not-limits-admin@example.com', ['DEVELOPER']);
    const developer = await login(r, u.email, u.password);
    expectProblem(await post({ url: '/x', limit: 1 }, developer), 403, 'permission_denied');
    for (const [method, url] of [
      ['GET', '/v1/admin/rate-limits'],
      ['DELETE', '/v1/admin/rate-limits/any'],
    ] as const) {
      expectProblem(
        await r.app.inject({ method, url, headers: bearer(developer) }),
        403,
        'permission_denied',
      );
    }
    const listed = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/rate-limits',
      headers: bearer(admin),
    });
    expect(listed.json<{ items: unknown[] }>().items).toHaveLength(0);
  });
});

describe.runIf(process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL)(
  'rate-limit policies across nodes',
  () => {
    it('a policy added on one node applies on the other, sharing one budget', async () => {
      const cluster = await startCluster(2);
      try {
        const [a, b] = cluster.nodes as [TestRampart, TestRampart];
        const u = await createUser(a, 'cluster-limits@example.com', ['ADMIN']);
        const token = await login(a, u.email, u.password);
        const added = await a.app.inject({
          method: 'POST',
          url: '/v1/admin/rate-limits',
          headers: bearer(token),
          payload: {
            method: 'GET',
            url: '/.well-known/jwks.json',
            limit: 3,
            window: 60,
            key: ['route'],
          },
        });
        expect(added.statusCode).toBe(201);
        const get = (node: TestRampart) =>
          node.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
        await expect
          .poll(async () => (await get(b)).headers['ratelimit-policy'] !== undefined)
          .toBe(true);
        // The poll spent at least one; the rest of the shared budget of 3 goes across both.
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) statuses.push((await get(i % 2 === 0 ? a : b)).statusCode);
        expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
      } finally {
        await cluster.close();
      }
    });
  },
);
