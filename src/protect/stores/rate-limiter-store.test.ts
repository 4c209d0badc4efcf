import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHotStoreKinds, uniqueRedisPrefix } from '../../../test/support/test-databases.js';
import type { RateLimiterStore } from '../store.js';
import { MemoryRateLimiterStore } from './memory-rate-limiter-store.js';
import { createRedisRateLimiterStore } from './redis-rate-limiter-store.js';

// One suite, every adapter: the port's promises hold for memory and Redis alike.
for (const kind of testHotStoreKinds()) {
  describe(`rate-limiter store (${kind})`, () => {
    const prefix = uniqueRedisPrefix();
    const opened: RateLimiterStore[] = [];
    let store: RateLimiterStore;

    async function open(): Promise<RateLimiterStore> {
      const s =
        kind === 'memory'
          ? new MemoryRateLimiterStore()
          : await createRedisRateLimiterStore({
              url: process.env.RAMPART_TEST_REDIS_URL as string,
              keyPrefix: prefix,
            });
      opened.push(s);
      return s;
    }

    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    it('lets exactly 10 of 50 concurrent decisions through a limit of 10', async () => {
      const decisions = await Promise.all(
        Array.from({ length: 50 }, () => store.consume('exact', 10, 60_000)),
      );
      expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
      expect(
        decisions
          .filter((d) => d.allowed)
          .map((d) => d.remaining)
          .sort((a, b) => a - b),
      ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const refused of decisions.filter((d) => !d.allowed)) {
        expect(refused.remaining).toBe(0);
        expect(refused.retryAfterMs).toBeGreaterThan(5000);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(6000);
      }
    });

    it('counts each key on its own', async () => {
      expect((await store.consume('own-a', 1, 60_000)).allowed).toBe(true);
      expect((await store.consume('own-a', 1, 60_000)).allowed).toBe(false);
      expect((await store.consume('own-b', 1, 60_000)).allowed).toBe(true);
    });

    it('reports remaining and the time until the quota is whole again', async () => {
      const first = await store.consume('report', 4, 60_000);
      expect(first).toMatchObject({ allowed: true, remaining: 3, retryAfterMs: 0 });
      expect(first.resetMs).toBeGreaterThan(14_000);
      expect(first.resetMs).toBeLessThanOrEqual(15_000);
      const second = await store.consume('report', 4, 60_000, 2);
      expect(second.remaining).toBe(1);
      expect(second.resetMs).toBeGreaterThan(44_000);
    });

    it('gives the whole quota back once the window has passed', async () => {
      for (let i = 0; i < 3; i++) expect((await store.consume('reset', 3, 300)).allowed).toBe(true);
      expect((await store.consume('reset', 3, 300)).allowed).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 320));
      const after = await Promise.all(
        Array.from({ length: 5 }, () => store.consume('reset', 3, 300)),
      );
      expect(after.filter((d) => d.allowed)).toHaveLength(3);
    });

    it('does not spend anything on a refusal', async () => {
      expect((await store.consume('refusal', 2, 60_000, 2)).allowed).toBe(true);
      expect((await store.consume('refusal', 2, 60_000, 5)).allowed).toBe(false);
      const after = await store.consume('refusal', 2, 60_000);
      expect(after.allowed).toBe(false);
      expect(after.retryAfterMs).toBeLessThanOrEqual(30_000);
    });

    if (kind === 'redis') {
      it('shares one budget between connections (nodes) on one Redis', async () => {
        const other = await open();
        const decisions = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 ? store : other).consume('shared', 10, 60_000),
          ),
        );
        expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
      });
    }
  });
}
