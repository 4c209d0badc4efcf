import { describe, expect, it } from 'vitest';
import type { RateLimiterStore } from '../store.js';
import { MemoryRateLimiterStore } from '../stores/memory-rate-limiter-store.js';
import { RateLimitStoreUnavailable, ResilientRateLimiter } from './resilient-rate-limiter.js';

function failingStore(): RateLimiterStore & { calls: number; down: boolean } {
  const inner = new MemoryRateLimiterStore();
  const store = {
    kind: 'redis' as const,
    calls: 0,
    down: true,
    async consume(key: string, limit: number, windowMs: number) {
      store.calls++;
      if (store.down) throw new Error('down');
      return inner.consume(key, limit, windowMs);
    },
    ping: async () => 0,
    close: () => inner.close(),
  };
  return store;
}

describe('ResilientRateLimiter', () => {
  it('retries a failed primary at most once per probe interval', async () => {
    let now = 0;
    const primary = failingStore();
    const transitions: string[] = [];
    const limiter = new ResilientRateLimiter({
      primary,
      fallback: new MemoryRateLimiterStore(),
      failMode: 'open',
      probeIntervalMs: 1000,
      now: () => now,
      onTransition: (to) => transitions.push(to),
    });
    for (let i = 0; i < 10; i++) await limiter.consume('k', 100, 60_000);
    expect(primary.calls).toBe(1);
    now = 1000;
    await limiter.consume('k', 100, 60_000);
    expect(primary.calls).toBe(2);
    primary.down = false;
    now = 2000;
    await limiter.consume('k', 100, 60_000);
    expect(limiter.degraded).toBe(false);
    expect(transitions).toEqual(['degraded', 'recovered']);
  });

  it('refuses with RateLimitStoreUnavailable when failing closed', async () => {
    const limiter = new ResilientRateLimiter({
      primary: failingStore(),
      fallback: new MemoryRateLimiterStore(),
      failMode: 'closed',
      onTransition: () => {},
    });
    await expect(limiter.consume('k', 1, 1000)).rejects.toBeInstanceOf(RateLimitStoreUnavailable);
  });
});
