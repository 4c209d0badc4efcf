import { afterEach, describe, expect, it } from 'vitest';
import { expectProblem } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import type { SecurityEvent } from '../events/security-event.js';
import type { RateLimitDecision, RateLimiterStore } from './store.js';
import { MemoryRateLimiterStore } from './stores/memory-rate-limiter-store.js';
import { createRedisRateLimiterStore } from './stores/redis-rate-limiter-store.js';

/** A shared store that can be switched off, standing in for Redis going away and back. */
class SwitchableStore implements RateLimiterStore {
  readonly kind = 'redis';
  down = false;
  readonly #inner = new MemoryRateLimiterStore();

  async consume(key: string, limit: number, windowMs: number, cost?: number) {
    if (this.down) throw new Error('connection refused');
    return this.#inner.consume(key, limit, windowMs, cost) as Promise<RateLimitDecision>;
  }
  async ping() {
    if (this.down) throw new Error('connection refused');
    return 0;
  }
  async close() {
    await this.#inner.close();
  }
}

interface ReadyReport {
  status: string;
  checks: Record<string, { status: string; observedValue?: unknown }[]>;
}

describe('rate limits while the shared store is down', () => {
  let r: TestRampart | undefined;
  let events: SecurityEvent[];
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  async function start(failMode: 'open' | 'closed', store: RateLimiterStore) {
    r = await startTestRampart({
      rateLimitStore: store,
      overrides: { rateLimit: { failMode, default: { limit: 3, window: 60 } } },
    });
    events = [];
    r.events.subscribe('fail-mode-test', (e) => {
      events.push(e);
    });
    return r;
  }

  const get = () => {
    if (!r) throw new Error('not started');
    return r.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  };

  async function ready(): Promise<ReadyReport> {
    if (!r) throw new Error('not started');
    const res = await r.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ReadyReport>();
  }

  const ofType = (type: string) => events.filter((e) => e.type === type);

  it('fails open to an exact per-node limiter, reports the degradation once, and readiness warns', async () => {
    // Nothing listens on port 1: every decision fails to reach Redis.
    await start('open', await createRedisRateLimiterStore({ url: 'redis://127.0.0.1:1' }));
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await get()).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    expect(ofType('ratelimit.store.degraded')).toHaveLength(1);
    expect(ofType('ratelimit.store.degraded')[0]).toMatchObject({
      outcome: 'failure',
      actor: { kind: 'system' },
      details: { store: 'redis', failMode: 'open' },
    });
    const report = await ready();
    expect(report.status).toBe('warn');
    expect(report.checks['ratelimit:store']?.[0]).toMatchObject({
      status: 'warn',
      observedValue: 'local',
    });
    expect(ofType('ratelimit.store.degraded')).toHaveLength(1);
  });

  it('fails closed with 503 rate_limit_unavailable, reports once, and readiness warns', async () => {
    await start('closed', await createRedisRateLimiterStore({ url: 'redis://127.0.0.1:1' }));
    for (let i = 0; i < 4; i++) {
      const res = await get();
      expectProblem(res, 503, 'rate_limit_unavailable');
      expect(res.headers['retry-after']).toBe('1');
    }
    expect(ofType('ratelimit.store.degraded')).toHaveLength(1);
    const report = await ready();
    expect(report.checks['ratelimit:store']?.[0]).toMatchObject({
      status: 'warn',
      observedValue: 'refusing',
    });
  });

  it('reports the recovery once and readiness passes again', async () => {
    const store = new SwitchableStore();
    await start('closed', store);
    expect((await get()).statusCode).toBe(200);
    expect((await ready()).checks['ratelimit:store']?.[0]?.status).toBe('pass');
    store.down = true;
    expectProblem(await get(), 503, 'rate_limit_unavailable');
    expect((await ready()).checks['ratelimit:store']?.[0]?.status).toBe('warn');
    store.down = false;
    // The readiness probe finds the store back without waiting for traffic.
    expect((await ready()).checks['ratelimit:store']?.[0]?.status).toBe('pass');
    expect((await get()).statusCode).toBe(200);
    expect(ofType('ratelimit.store.degraded')).toHaveLength(1);
    expect(ofType('ratelimit.store.recovered')).toHaveLength(1);
  });
});
