import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../test/support/http-helpers.js';
import { testHotStoreKinds } from '../../test/support/test-databases.js';
import {
  startCluster,
  startTestRampart,
  type TestRampart,
} from '../../test/support/test-rampart.js';
import { until } from '../../test/support/until.js';
import type { DeepPartial, RawConfig } from '../config/index.js';
import type { SecurityEvent } from '../events/security-event.js';

function collectEvents(r: TestRampart): SecurityEvent[] {
  const events: SecurityEvent[] = [];
  r.events.subscribe('rate-limit-test', (e) => {
    events.push(e);
  });
  return events;
}

function countStatuses(responses: LightMyRequestResponse[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const res of responses) out[res.statusCode] = (out[res.statusCode] ?? 0) + 1;
  return out;
}

const defaultTen: DeepPartial<RawConfig> = {
  rateLimit: { default: { limit: 10, window: 60 } },
};

for (const hot of testHotStoreKinds()) {
  describe(`rate limits over HTTP (${hot} store)`, () => {
    let r: TestRampart | undefined;
    afterEach(async () => {
      await r?.close();
      r = undefined;
    });

    it('lets exactly 10 of 50 concurrent requests through a limit of 10', async () => {
      r = await startTestRampart({ hot, overrides: defaultTen });
      const app = r.app;
      const responses = await Promise.all(
        Array.from({ length: 50 }, () =>
          app.inject({ method: 'GET', url: '/.well-known/jwks.json' }),
        ),
      );
      expect(countStatuses(responses)).toEqual({ 200: 10, 429: 40 });
    });

    it('describes the quota in RateLimit-Policy and RateLimit, and refuses with a 429 problem', async () => {
      r = await startTestRampart({
        hot,
        overrides: { rateLimit: { default: { limit: 3, window: 30 } } },
      });
      const events = collectEvents(r);
      const get = () => r?.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      const first = await get();
      expect(first?.statusCode).toBe(200);
      expect(first?.headers['ratelimit-policy']).toBe('"default";q=3;w=30');
      expect(first?.headers.ratelimit).toBe('"default";r=2;t=10');
      await get();
      const third = await get();
      expect(third?.headers.ratelimit).toBe('"default";r=0;t=30');
      const refused = await get();
      if (!refused) throw new Error('no response');
      expectProblem(refused, 429, 'quota_exceeded');
      expect(refused.headers['retry-after']).toBe('10');
      expect(refused.headers['ratelimit-policy']).toBe('"default";q=3;w=30');
      expect(refused.headers.ratelimit).toBe('"default";r=0;t=30');
      // A flood of refusals is one event per key and window.
      for (let i = 0; i < 20; i++) await get();
      const exceeded = events.filter((e) => e.type === 'ratelimit.exceeded');
      expect(exceeded).toHaveLength(1);
      expect(exceeded[0]).toMatchObject({
        outcome: 'denied',
        actor: { kind: 'anonymous', ip: '127.0.0.1' },
        details: { policy: 'default', limit: 3, window: 30, network: '127.0.0.1' },
      });
    });

    it('gives the quota back when the window has passed', async () => {
      r = await startTestRampart({
        hot,
        overrides: { rateLimit: { default: { limit: 2, window: 1 } } },
      });
      const get = () => r?.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect((await get())?.statusCode).toBe(200);
      expect((await get())?.statusCode).toBe(200);
      expect((await get())?.statusCode).toBe(429);
      await new Promise((resolve) => setTimeout(resolve, 1050));
      expect((await get())?.statusCode).toBe(200);
      expect((await get())?.statusCode).toBe(200);
      expect((await get())?.statusCode).toBe(429);
    });

    it('counts IPv6 clients per /64 and IPv4 clients per address', async () => {
      r = await startTestRampart({ hot, overrides: { rateLimit: { default: { limit: 2 } } } });
      const from = (remoteAddress: string) =>
        r?.app.inject({ method: 'GET', url: '/.well-known/jwks.json', remoteAddress });
      expect((await from('2001:db8:1:2::1'))?.statusCode).toBe(200);
      expect((await from('2001:db8:1:2:ffff:ffff:ffff:fffe'))?.statusCode).toBe(200);
      // Another address in the same /64 is the same client.
      expect((await from('2001:db8:1:2:abcd::7'))?.statusCode).toBe(429);
      expect((await from('2001:db8:1:3::1'))?.statusCode).toBe(200);
      expect((await from('10.0.0.1'))?.statusCode).toBe(200);
      expect((await from('10.0.0.1'))?.statusCode).toBe(200);
      expect((await from('10.0.0.2'))?.statusCode).toBe(200);
    });
  });
}

describe('rate-limit policies per route, user and API key', () => {
  let r: TestRampart;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };

  beforeAll(async () => {
    r = await startTestRampart({
      overrides: {
        rateLimit: {
          default: { limit: 1000 },
          routes: [
            {
              name: 'whoami',
              method: 'GET',
              url: '/v1/auth/whoami',
              limit: 2,
              key: ['user', 'apiKey'],
            },
            { name: 'discovery', url: '/.well-known/*', limit: 0 },
            // Entries as a config file gives them: method, window and key take defaults.
          ] as RawConfig['rateLimit']['routes'],
        },
      },
    });
    const a = await createUser(r, 'alice@example.com', ['DEVELOPER']);
    alice = { id: a.id, token: await login(r, a.email, a.password) };
    const b = await createUser(r, 'bob@example.com', ['DEVELOPER']);
    bob = { id: b.id, token: await login(r, b.email, b.password) };
  });
  afterAll(async () => {
    await r.close();
  });

  async function issueKey(token: string): Promise<string> {
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(token),
      payload: { name: `k${Math.random()}`, scopes: ['apikeys:read'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ key: string }>().key;
  }

  const whoami = (headers: Record<string, string>, remoteAddress = '127.0.0.1') =>
    r.app.inject({ method: 'GET', url: '/v1/auth/whoami', headers, remoteAddress });

  it('counts a per-user policy per user, whatever the network', async () => {
    const events = collectEvents(r);
    expect((await whoami(bearer(alice.token), '10.1.0.1')).statusCode).toBe(200);
    const second = await whoami(bearer(alice.token), '10.2.0.1');
    expect(second.statusCode).toBe(200);
    expect(second.headers['ratelimit-policy']).toBe('"whoami";q=2;w=60');
    expectProblem(await whoami(bearer(alice.token), '10.3.0.1'), 429, 'quota_exceeded');
    // The key names the user, and the refusal still tells where it came from.
    await until(() => events.some((e) => e.type === 'ratelimit.exceeded'));
    expect(events.find((e) => e.type === 'ratelimit.exceeded')).toMatchObject({
      actor: { kind: 'user', id: alice.id, ip: '10.3.0.1' },
      details: { policy: 'whoami', network: '10.3.0.1', route: '/v1/auth/whoami' },
    });
    // Bob on Alice's network has his own budget.
    expect((await whoami(bearer(bob.token), '10.1.0.1')).statusCode).toBe(200);
  });

  it('counts a per-user policy after authentication: an unauthenticated request is refused as such', async () => {
    const res = await whoami({});
    expect(res.statusCode).toBe(401);
    expect(res.headers.ratelimit).toBeUndefined();
  });

  it('counts a user + API key policy per key, apart from the owner signed in', async () => {
    const k1 = await issueKey(bob.token);
    const k2 = await issueKey(bob.token);
    expect((await whoami(bearer(k1))).statusCode).toBe(200);
    expect((await whoami(bearer(k1))).statusCode).toBe(200);
    expectProblem(await whoami(bearer(k1)), 429, 'quota_exceeded');
    expect((await whoami(bearer(k2))).statusCode).toBe(200);
    // Bob's own budget (one request spent above) is still there.
    expect((await whoami(bearer(bob.token))).statusCode).toBe(200);
  });

  it('exempts a route whose entry has limit 0, and health probes', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await r.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(res.statusCode).toBe(200);
      expect(res.headers.ratelimit).toBeUndefined();
    }
    const ready = await r.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.headers.ratelimit).toBeUndefined();
  });

  it('counts unmatched paths under the default policy', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/no/such/path' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['ratelimit-policy']).toBe('"default";q=1000;w=60');
  });
});

describe('a global policy on top of the route policies', () => {
  let r: TestRampart;
  let alice: { token: string };

  beforeAll(async () => {
    r = await startTestRampart({
      overrides: {
        rateLimit: {
          global: { limit: 5, window: 60 },
          default: { limit: 100, window: 60 },
          routes: [
            { name: 'whoami', method: 'GET', url: '/v1/auth/whoami', limit: 2, key: ['user'] },
            { name: 'discovery', url: '/.well-known/*', limit: 0 },
          ] as RawConfig['rateLimit']['routes'],
        },
      },
    });
    const a = await createUser(r, 'alice@example.com');
    alice = { token: await login(r, a.email, a.password) };
  });
  afterAll(async () => {
    await r.close();
  });

  it('counts requests that fail authentication, which a per-user policy never sees', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await r.app.inject({
        method: 'GET',
        url: '/v1/auth/whoami',
        headers: bearer('not-a-token'),
        remoteAddress: '192.0.2.1',
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('lists every policy a response was counted under', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/auth/whoami',
      headers: bearer(alice.token),
      remoteAddress: '192.0.2.2',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['ratelimit-policy']).toBe('"global";q=5;w=60, "whoami";q=2;w=60');
    expect(res.headers.ratelimit).toBe('"global";r=4;t=12, "whoami";r=1;t=30');
    const unmatched = await r.app.inject({
      method: 'GET',
      url: '/nope',
      remoteAddress: '192.0.2.2',
    });
    expect(unmatched.headers['ratelimit-policy']).toBe('"global";q=5;w=60, "default";q=100;w=60');
  });

  it('exempts a route with limit 0 from the global policy too', async () => {
    for (let i = 0; i < 8; i++) {
      const res = await r.app.inject({
        method: 'GET',
        url: '/.well-known/jwks.json',
        remoteAddress: '192.0.2.3',
      });
      expect(res.statusCode).toBe(200);
    }
  });
});

describe('rate limits without a configured policy', () => {
  it('add no headers while no policy is configured or added', async () => {
    const r = await startTestRampart();
    try {
      const res = await r.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(res.statusCode).toBe(200);
      expect(res.headers.ratelimit).toBeUndefined();
      expect(r.protect.pluginOptions?.policies.current.isEmpty).toBe(true);
    } finally {
      await r.close();
    }
  });
});

describe.runIf(process.env.RAMPART_TEST_REDIS_URL && process.env.RAMPART_TEST_DATABASE_URL)(
  'rate limits in a cluster',
  () => {
    it('gives two nodes on one Redis one budget: exactly 10 of 50 pass across both', async () => {
      const cluster = await startCluster(2, defaultTen);
      try {
        const responses = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            cluster.nodes[i % 2]?.app.inject({ method: 'GET', url: '/.well-known/jwks.json' }),
          ),
        );
        expect(countStatuses(responses.filter((x) => x !== undefined))).toEqual({
          200: 10,
          429: 40,
        });
      } finally {
        await cluster.close();
      }
    });
  },
);

describe('the RateLimit fields of several policies decided before the route runs', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({
      overrides: {
        rateLimit: {
          global: { limit: 5, window: 60 },
          routes: [
            { name: 'jwks', method: 'GET', url: '/.well-known/jwks.json', limit: 2, window: 30 },
          ] as RawConfig['rateLimit']['routes'],
        },
      },
    });
  });
  afterAll(async () => {
    await r.close();
  });

  // Every response field but those that differ per request, in the order they are sent.
  const fields = (res: LightMyRequestResponse) =>
    Object.entries(res.headers).filter(([name]) => !['date', 'x-request-id'].includes(name));

  it('lists both on an answer, and both on the refusal by the second (Retry-After its own)', async () => {
    const jwks = () =>
      r.app.inject({ method: 'GET', url: '/.well-known/jwks.json', remoteAddress: '192.0.2.9' });
    await jwks();
    const second = await jwks();
    const refused = await jwks();
    const shared: [string, string][] = [
      ['x-content-type-options', 'nosniff'],
      ['x-frame-options', 'DENY'],
      ['referrer-policy', 'no-referrer'],
    ];
    expect(fields(second)).toEqual([
      ...shared,
      ['cross-origin-opener-policy', 'same-origin'],
      ['cross-origin-resource-policy', 'cross-origin'],
      ['x-permitted-cross-domain-policies', 'none'],
      ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
      ['ratelimit-policy', '"global";q=5;w=60, "jwks";q=2;w=30'],
      ['ratelimit', '"global";r=3;t=24, "jwks";r=0;t=30'],
      ['cache-control', 'public, max-age=300'],
      ['access-control-allow-origin', '*'],
      ['content-type', 'application/json; charset=utf-8'],
      ['content-length', '168'],
      ['connection', 'keep-alive'],
    ]);
    expect(refused.statusCode).toBe(429);
    // The refusal's own fields replace those of the policies that let it pass.
    expect(fields(refused)).toEqual([
      ...shared,
      ['cross-origin-opener-policy', 'same-origin'],
      ['cross-origin-resource-policy', 'same-origin'],
      ['x-permitted-cross-domain-policies', 'none'],
      ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
      ['ratelimit-policy', '"jwks";q=2;w=30'],
      ['ratelimit', '"jwks";r=0;t=30'],
      ['retry-after', '15'],
      ['content-type', 'application/problem+json; charset=utf-8'],
      ['content-length', '362'],
      ['connection', 'keep-alive'],
    ]);
  });
});
