import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../test/support/http-helpers.js';
import { testHotStoreKinds } from '../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import { createSealer } from '../dataprotect/core/sealer.js';
import { hashSecretToken } from '../identity/core/secret-token.js';

let executions = 0;
let release: (() => void) | undefined;

async function routes(app: FastifyInstance): Promise<void> {
  app.post(
    '/test/charges',
    { preHandler: app.rampartAuth.requireCaller },
    async (request, reply) => {
      executions++;
      const body = request.body as { amount: number; slow?: boolean; fail?: boolean };
      if (body.slow) await new Promise<void>((resolve) => (release = resolve));
      if (body.fail) return reply.code(503).send({ error: 'upstream down' });
      return reply
        .code(201)
        .header('location', `/test/charges/${executions}`)
        .send({ id: executions, amount: body.amount });
    },
  );
  app.post(
    '/test/refunds',
    { preHandler: app.rampartAuth.requireCaller },
    async (request, reply) => {
      executions++;
      const body = request.body as { amount: number };
      return reply.code(201).send({ refund: executions, amount: body.amount });
    },
  );
}

for (const hot of testHotStoreKinds()) {
  describe(`Idempotency-Key (${hot} hot store)`, () => {
    let r: TestRampart;
    let token: string;
    let other: string;
    let payerId: string;

    function charge(key: string | undefined, payload: Record<string, unknown>, as = token) {
      return r.app.inject({
        method: 'POST',
        url: '/test/charges',
        headers: { ...bearer(as), ...(key === undefined ? {} : { 'idempotency-key': key }) },
        payload,
      });
    }

    /** An API key of the payer, for the /test routes (any key passes requireCaller). */
    async function payerApiKey(name: string): Promise<string> {
      const res = await r.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(token),
        payload: { name, scopes: ['apikeys:read'] },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ key: string }>().key;
    }

    beforeAll(async () => {
      r = await startTestRampart({ hot, register: routes });
      const u = await createUser(r, 'payer@example.com', ['DEVELOPER']);
      token = await login(r, u.email, u.password);
      payerId = u.id;
      const v = await createUser(r, 'other-payer@example.com', ['DEVELOPER']);
      other = await login(r, v.email, v.password);
    });
    afterAll(async () => r?.close());

    it('runs a request once and replays its status, headers and body to a retry', async () => {
      const before = executions;
      const first = await charge('order-1001', { amount: 10 });
      expect(first.statusCode).toBe(201);
      const retry = await charge('order-1001', { amount: 10 });
      expect(retry.statusCode).toBe(201);
      expect(retry.body).toBe(first.body);
      expect(retry.headers.location).toBe(first.headers.location);
      expect(retry.headers['content-type']).toBe(first.headers['content-type']);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(executions - before).toBe(1);
      // Without the header, or with another key, it runs again.
      expect((await charge(undefined, { amount: 10 })).statusCode).toBe(201);
      expect((await charge('order-1002', { amount: 10 })).statusCode).toBe(201);
      expect(executions - before).toBe(3);
    });

    it('treats a kept response it cannot open (its master key was dropped) as expired', async () => {
      const before = executions;
      expect((await charge('order-9001', { amount: 7 })).statusCode).toBe(201);
      const key = hashSecretToken(`user:${payerId}::POST /test/charges:order-9001`);
      // As if sealed before a master key rotation by a key no longer configured.
      await r.hot.values.set(
        `idem:res:${key}`,
        createSealer(randomBytes(32)).seal('{}', `idempotency:${key}`),
        60_000,
      );
      const retry = await charge('order-9001', { amount: 7 });
      expect(retry.statusCode).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      expect(executions - before).toBe(2);
      // The new response is kept again.
      const again = await charge('order-9001', { amount: 7 });
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toBe(retry.body);
      expect(executions - before).toBe(2);
    });

    it('refuses the same key with another body (422), and scopes keys to the principal', async () => {
      await charge('order-2001', { amount: 10 });
      expectProblem(await charge('order-2001', { amount: 11 }), 422, 'idempotency_key_reused');
      const theirs = await charge('order-2001', { amount: 99 }, other);
      expect(theirs.statusCode).toBe(201);
      expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    });

    it('answers 409 to a retry while the first is still running, then replays', async () => {
      const before = executions;
      const first = charge('order-3001', { amount: 5, slow: true });
      await expect.poll(() => release !== undefined).toBe(true);
      const during = await charge('order-3001', { amount: 5, slow: true });
      const problem = expectProblem(during, 409, 'idempotency_in_progress');
      expect(problem).toBeDefined();
      expect(during.headers['retry-after']).toBe('1');
      release?.();
      release = undefined;
      expect((await first).statusCode).toBe(201);
      const after = await charge('order-3001', { amount: 5, slow: true });
      expect(after.headers['idempotent-replayed']).toBe('true');
      expect(executions - before).toBe(1);
    });

    it('refuses the same key with another body (422) while the first is still running', async () => {
      const first = charge('order-3501', { amount: 5, slow: true });
      await expect.poll(() => release !== undefined).toBe(true);
      try {
        expectProblem(await charge('order-3501', { amount: 6 }), 422, 'idempotency_key_reused');
      } finally {
        release?.();
        release = undefined;
      }
      expect((await first).statusCode).toBe(201);
    });

    it('scopes a key to its route: the same key on another route runs there', async () => {
      const before = executions;
      expect((await charge('order-7001', { amount: 3 })).statusCode).toBe(201);
      const refund = await r.app.inject({
        method: 'POST',
        url: '/test/refunds',
        headers: { ...bearer(token), 'idempotency-key': 'order-7001' },
        payload: { amount: 3 },
      });
      expect(refund.statusCode).toBe(201);
      expect(refund.headers['idempotent-replayed']).toBeUndefined();
      expect(refund.json()).toMatchObject({ amount: 3, refund: expect.any(Number) });
      expect(executions - before).toBe(2);
    });

    it('scopes a key to the API key that sent it, not only to the owner of both keys', async () => {
      const [first, second] = [await payerApiKey('idem-a'), await payerApiKey('idem-b')];
      const send = (apiKey: string) =>
        r.app.inject({
          method: 'POST',
          url: '/test/charges',
          headers: { 'x-api-key': apiKey, 'idempotency-key': 'order-8001' },
          payload: { amount: 4 },
        });
      const before = executions;
      const a = await send(first);
      expect(a.statusCode, a.body).toBe(201);
      const b = await send(second);
      expect(b.statusCode).toBe(201);
      expect(b.headers['idempotent-replayed']).toBeUndefined();
      expect(b.body).not.toBe(a.body);
      expect(executions - before).toBe(2);
      // Each key still gets its own response back.
      expect((await send(first)).body).toBe(a.body);
    });

    it('of 10 concurrent requests with one key, the work is done once', async () => {
      const before = executions;
      const results = await Promise.all(
        Array.from({ length: 10 }, () => charge('order-4001', { amount: 1 })),
      );
      expect(executions - before).toBe(1);
      for (const res of results) expect([201, 409]).toContain(res.statusCode);
    });

    it('does not keep a 5xx: the key is released for a real retry', async () => {
      const before = executions;
      expect((await charge('order-5001', { amount: 1, fail: true })).statusCode).toBe(503);
      expect((await charge('order-5001', { amount: 1, fail: true })).statusCode).toBe(503);
      expect(executions - before).toBe(2);
    });

    it('refuses a malformed key', async () => {
      expectProblem(await charge('', { amount: 1 }), 400, 'idempotency_key_invalid');
      expectProblem(await charge('x'.repeat(256), { amount: 1 }), 400, 'idempotency_key_invalid');
      expectProblem(await charge('has space', { amount: 1 }), 400, 'idempotency_key_invalid');
    });

    it('a retried API key creation returns the same key once created, and stores it sealed', async () => {
      const create = () =>
        r.app.inject({
          method: 'POST',
          url: '/v1/api-keys',
          headers: { ...bearer(token), 'idempotency-key': `create-ci-key-${hot}` },
          payload: { name: 'ci', scopes: ['apikeys:read'] },
        });
      const a = await create();
      const b = await create();
      expect(a.statusCode).toBe(201);
      expect(b.json()).toEqual(a.json());
      const list = await r.app.inject({
        method: 'GET',
        url: '/v1/api-keys',
        headers: bearer(token),
      });
      expect(
        list.json<{ items: { name: string }[] }>().items.filter((k) => k.name === 'ci'),
      ).toHaveLength(1);
      if (hot === 'redis') {
        const { Redis } = await import('ioredis');
        const redis = new Redis(process.env.RAMPART_TEST_REDIS_URL as string);
        try {
          const keys = await redis.keys(`${r.config.redisKeyPrefix}*idem:res:*`);
          expect(keys.length).toBeGreaterThan(0);
          for (const k of keys) {
            const value = (await redis.get(k)) ?? '';
            expect(value).not.toContain(a.json<{ key: string }>().key);
            expect(value).toMatch(/^v1\./);
          }
        } finally {
          redis.disconnect();
        }
      }
    });
  });
}
