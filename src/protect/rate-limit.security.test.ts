/*
 * Attacks on a rate limit: a client tries to get more than its budget by changing what the
 * limiter counts it by (its address within its /64, an IPv4-mapped form of its address, a
 * forged X-Forwarded-For), or by going through a node whose clock runs ahead (which would
 * see the budget as repaid). Each must land in the same budget. Racing many requests at
 * once is covered by the exactness tests in rate-limit.test.ts.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testHotStoreKinds } from '../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';

for (const hot of testHotStoreKinds()) {
  describe(`rate-limit evasion (${hot} store)`, () => {
    let r: TestRampart;
    beforeAll(async () => {
      r = await startTestRampart({ hot, overrides: { rateLimit: { default: { limit: 3 } } } });
    });
    afterAll(async () => {
      await r.close();
    });

    async function statuses(requests: InjectOptions[]) {
      const out: number[] = [];
      for (const req of requests) out.push((await r.app.inject(req)).statusCode);
      return out;
    }

    it('does not take X-Forwarded-For from a client that is not a trusted proxy', async () => {
      const codes = await statuses(
        ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'].map((forged) => ({
          method: 'GET' as const,
          url: '/.well-known/jwks.json',
          remoteAddress: '192.0.2.10',
          headers: { 'x-forwarded-for': forged },
        })),
      );
      expect(codes).toEqual([200, 200, 200, 429]);
    });

    it('counts every address of one /64 as one client', async () => {
      const codes = await statuses(
        ['2001:db8:aa::1', '2001:db8:aa:0:1::', '2001:db8:aa:0:ffff::2', '2001:db8:aa::dead'].map(
          (remoteAddress) => ({
            method: 'GET' as const,
            url: '/.well-known/jwks.json',
            remoteAddress,
          }),
        ),
      );
      expect(codes).toEqual([200, 200, 200, 429]);
    });

    it('counts an IPv4-mapped IPv6 address as its IPv4 address', async () => {
      const codes = await statuses(
        ['198.51.100.7', '::ffff:198.51.100.7', '198.51.100.7', '::ffff:198.51.100.7'].map(
          (remoteAddress) => ({
            method: 'GET' as const,
            url: '/.well-known/jwks.json',
            remoteAddress,
          }),
        ),
      );
      expect(codes).toEqual([200, 200, 200, 429]);
    });

    if (hot === 'redis') {
      it('decides on the Redis clock: a node whose clock runs an hour ahead gets no extra budget', async () => {
        const now = Date.now();
        const from = '203.0.113.50';
        const get = () =>
          r.app.inject({ method: 'GET', url: '/.well-known/jwks.json', remoteAddress: from });
        expect((await get()).statusCode).toBe(200);
        const skew = vi.spyOn(Date, 'now').mockReturnValue(now + 3_600_000);
        try {
          expect((await get()).statusCode).toBe(200);
          expect((await get()).statusCode).toBe(200);
          expect((await get()).statusCode).toBe(429);
        } finally {
          skew.mockRestore();
        }
      });
    }
  });
}
