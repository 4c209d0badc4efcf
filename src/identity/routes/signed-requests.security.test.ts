import { createHash, createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../../test/support/http-helpers.js';
import {
  createTestDatabase,
  testHotStoreKinds,
  uniqueRedisPrefix,
} from '../../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import type { SecurityEvent } from '../../events/security-event.js';
import { signRequest } from '../../shared/sign-request.js';

interface SigningKey {
  id: string;
  key: string;
  signingSecret: string;
}

/** A test route that requires a signed request by a key allowed `apikeys:write`. */
async function orderRoute(app: FastifyInstance): Promise<void> {
  app.post(
    '/test/orders',
    { preHandler: app.rampartAuth.requireSignature('apikeys:write') },
    async (request) => ({ ok: true, body: request.body as unknown }),
  );
  app.get('/test/orders/:id', { preHandler: app.rampartAuth.requireSignature() }, async () => ({
    ok: true,
  }));
}

/**
 * An independent implementation of the documented scheme, from the README alone: the
 * helper and the server must agree with it.
 */
function independentSignature(
  secret: string,
  method: string,
  pathAndQuery: string,
  timestamp: string,
  nonce: string,
  body: string,
): string {
  const [path, query = ''] = pathAndQuery.split(/\?(.*)/s) as [string, string?];
  const lines = [
    'RAMPART-HMAC-SHA256',
    method,
    path,
    query,
    timestamp,
    nonce,
    createHash('sha256').update(body, 'utf8').digest('hex'),
  ];
  return createHmac('sha256', secret).update(lines.join('\n')).digest('base64url');
}

async function issueSigningKey(
  r: TestRampart,
  token: string,
  scopes: string[],
  allowedCidrs?: string[],
): Promise<SigningKey> {
  const res = await r.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: bearer(token),
    payload: { name: 'signer', scopes, signing: true, ...(allowedCidrs ? { allowedCidrs } : {}) },
  });
  expect(res.statusCode, res.body).toBe(201);
  const json = res.json<SigningKey & { signing: boolean }>();
  expect(json.signing).toBe(true);
  expect(json.signingSecret).toMatch(/^rms_[A-Za-z0-9_-]{43}$/);
  return json;
}

for (const hot of testHotStoreKinds()) {
  describe(`signed requests against replay (${hot} hot store)`, () => {
    let r: TestRampart;
    let token: string;
    let signer: SigningKey;
    let events: SecurityEvent[];

    function send(
      url: string,
      body: string | undefined,
      headers: Record<string, string>,
      method: 'POST' | 'GET' = 'POST',
    ) {
      return r.app.inject({
        method,
        url,
        headers: {
          ...headers,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { payload: body } : {}),
      });
    }

    beforeAll(async () => {
      r = await startTestRampart({ hot, register: orderRoute });
      events = [];
      r.events.subscribe('test', (e) => {
        events.push(e);
      });
      const u = await createUser(r, 'signer@example.com', ['DEVELOPER']);
      token = await login(r, u.email, u.password);
      signer = await issueSigningKey(r, token, ['apikeys:write']);
    });
    afterAll(async () => r?.close());

    it('accepts a request signed by the helper, and the helper agrees with an independent implementation', async () => {
      const body = JSON.stringify({ amount: 100, currency: 'EUR' });
      const url = '/test/orders?priority=high&x=%20y';
      const headers = signRequest({
        keyId: signer.id,
        secret: signer.signingSecret,
        method: 'POST',
        url,
        body,
      });
      expect(headers['x-signature']).toBe(
        independentSignature(
          signer.signingSecret,
          'POST',
          url,
          headers['x-timestamp'] as string,
          headers['x-nonce'] as string,
          body,
        ),
      );
      const res = await send(url, body, headers);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ ok: true, body: { amount: 100, currency: 'EUR' } });

      // Hand-made headers from the independent implementation work as well.
      const ts = String(Math.floor(Date.now() / 1000));
      const nonce = 'independent-nonce-0001';
      const manual = await send('/test/orders', '{"a":1}', {
        'x-key-id': signer.id,
        'x-timestamp': ts,
        'x-nonce': nonce,
        'x-signature': independentSignature(
          signer.signingSecret,
          'POST',
          '/test/orders',
          ts,
          nonce,
          '{"a":1}',
        ),
      });
      expect(manual.statusCode, manual.body).toBe(200);
    });

    it("refuses a correctly signed request from outside the key's networks", async () => {
      const fenced = await issueSigningKey(r, token, ['apikeys:write'], ['203.0.113.0/24']);
      const from = (remoteAddress: string) =>
        r.app.inject({
          method: 'POST',
          url: '/test/orders',
          remoteAddress,
          headers: {
            ...signRequest({
              keyId: fenced.id,
              secret: fenced.signingSecret,
              method: 'POST',
              url: '/test/orders',
              body: '{}',
            }),
            'content-type': 'application/json',
          },
          payload: '{}',
        });
      expectProblem(await from('198.51.100.7'), 403, 'api_key_source_denied');
      expect((await from('203.0.113.9')).statusCode).toBe(200);
    });

    it('refuses a replayed request with signature_replayed and a critical event', async () => {
      const body = '{"amount":5}';
      const headers = signRequest({
        keyId: signer.id,
        secret: signer.signingSecret,
        method: 'POST',
        url: '/test/orders',
        body,
      });
      expect((await send('/test/orders', body, headers)).statusCode).toBe(200);
      expectProblem(await send('/test/orders', body, headers), 401, 'signature_replayed');
      const replayed = events.filter(
        (e) => e.type === 'signature.replayed' && e.target?.id === signer.id,
      );
      expect(replayed.length).toBeGreaterThanOrEqual(1);
      expect(replayed[0]?.severity).toBe('critical');
    });

    it('of 20 concurrent copies of one signed request, exactly one passes', async () => {
      const body = '{"amount":7}';
      const headers = signRequest({
        keyId: signer.id,
        secret: signer.signingSecret,
        method: 'POST',
        url: '/test/orders',
        body,
      });
      const results = await Promise.all(
        Array.from({ length: 20 }, () => send('/test/orders', body, headers)),
      );
      expect(results.filter((x) => x.statusCode === 200)).toHaveLength(1);
      for (const x of results.filter((y) => y.statusCode !== 200))
        expectProblem(x, 401, 'signature_replayed');
    });

    it('refuses any change to method, path, query or body', async () => {
      const body = '{"amount":100}';
      const url = '/test/orders?a=1';
      const fresh = () =>
        signRequest({ keyId: signer.id, secret: signer.signingSecret, method: 'POST', url, body });
      expectProblem(
        await send('/test/orders?a=1', '{"amount":999}', fresh()),
        401,
        'signature_invalid',
      );
      expectProblem(await send('/test/orders?a=2', body, fresh()), 401, 'signature_invalid');
      expectProblem(await send('/test/orders?a=1&b=2', body, fresh()), 401, 'signature_invalid');
      expectProblem(
        await send('/test/orders/1?a=1', undefined, fresh(), 'GET'),
        401,
        'signature_invalid',
      );
      expectProblem(await send(url, `${body} `, fresh()), 401, 'signature_invalid');
      // The untouched request still passes: the failures above burned no nonce of its own.
      const headers = fresh();
      expect((await send(url, body, headers)).statusCode).toBe(200);
    });

    it('refuses a signature with the wrong secret without burning the nonce', async () => {
      const body = '{"amount":1}';
      const nonce = `burn-attempt-${hot}-000001`;
      const forged = signRequest({
        keyId: signer.id,
        secret: 'rms_not-the-secret-at-all-aaaaaaaaaaaaaaaaaaaaaa',
        method: 'POST',
        url: '/test/orders',
        body,
        nonce,
      });
      expectProblem(await send('/test/orders', body, forged), 401, 'signature_invalid');
      const genuine = signRequest({
        keyId: signer.id,
        secret: signer.signingSecret,
        method: 'POST',
        url: '/test/orders',
        body,
        nonce,
      });
      expect((await send('/test/orders', body, genuine)).statusCode).toBe(200);
    });

    it('refuses timestamps outside the allowed skew, in both directions', async () => {
      const body = '{}';
      for (const offset of [-301, 301, -86_400]) {
        const headers = signRequest({
          keyId: signer.id,
          secret: signer.signingSecret,
          method: 'POST',
          url: '/test/orders',
          body,
          timestamp: Math.floor(Date.now() / 1000) + offset,
        });
        expectProblem(await send('/test/orders', body, headers), 401, 'signature_expired');
      }
      const near = signRequest({
        keyId: signer.id,
        secret: signer.signingSecret,
        method: 'POST',
        url: '/test/orders',
        body,
        timestamp: Math.floor(Date.now() / 1000) - 200,
      });
      expect((await send('/test/orders', body, near)).statusCode).toBe(200);
    });

    it('refuses malformed parts, unknown keys and keys without a secret', async () => {
      const body = '{}';
      const good = signRequest({
        keyId: signer.id,
        secret: signer.signingSecret,
        method: 'POST',
        url: '/test/orders',
        body,
      });
      for (const broken of [
        { ...good, 'x-nonce': 'short' },
        { ...good, 'x-timestamp': 'yesterday' },
        { ...good, 'x-key-id': 'not-a-key-id' },
        { ...good, 'x-key-id': '01234567-89ab-7def-8123-456789abcdef' },
        { ...good, 'x-signature': '' },
      ]) {
        expectProblem(await send('/test/orders', body, broken), 401, 'signature_invalid');
      }
      const plain = await r.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(token),
        payload: { name: 'no secret', scopes: ['apikeys:write'] },
      });
      expect(plain.json()).not.toHaveProperty('signingSecret');
      const id = plain.json<{ id: string }>().id;
      const attempt = signRequest({
        keyId: id,
        secret: 'rms_guess',
        method: 'POST',
        url: '/test/orders',
        body,
      });
      expectProblem(await send('/test/orders', body, attempt), 401, 'signature_invalid');
    });

    it('a signed route refuses a bare API key or access token; permissions still apply', async () => {
      const body = '{}';
      const asKey = await r.app.inject({
        method: 'POST',
        url: '/test/orders',
        headers: { ...bearer(signer.key), 'content-type': 'application/json' },
        payload: body,
      });
      expectProblem(asKey, 401, 'signature_required');
      const asUser = await r.app.inject({
        method: 'POST',
        url: '/test/orders',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        payload: body,
      });
      expectProblem(asUser, 401, 'signature_required');
      const readOnly = await issueSigningKey(r, token, ['apikeys:read']);
      const headers = signRequest({
        keyId: readOnly.id,
        secret: readOnly.signingSecret,
        method: 'POST',
        url: '/test/orders',
        body,
      });
      expectProblem(await send('/test/orders', body, headers), 403, 'permission_denied');
      const get = signRequest({
        keyId: readOnly.id,
        secret: readOnly.signingSecret,
        method: 'GET',
        url: '/test/orders/9',
      });
      expect((await send('/test/orders/9', undefined, get, 'GET')).statusCode).toBe(200);
    });

    it('a revoked key cannot sign; a rotated key gets a new secret', async () => {
      const k = await issueSigningKey(r, token, ['apikeys:write']);
      const rotated = await r.app.inject({
        method: 'POST',
        url: `/v1/api-keys/${k.id}/rotate`,
        headers: bearer(token),
        payload: { gracePeriod: 0 },
      });
      const next = rotated.json<SigningKey>();
      expect(next.signingSecret).toMatch(/^rms_/);
      expect(next.signingSecret).not.toBe(k.signingSecret);
      const body = '{}';
      const old = signRequest({
        keyId: k.id,
        secret: k.signingSecret,
        method: 'POST',
        url: '/test/orders',
        body,
      });
      expectProblem(await send('/test/orders', body, old), 401, 'invalid_api_key');
      const now = signRequest({
        keyId: next.id,
        secret: next.signingSecret,
        method: 'POST',
        url: '/test/orders',
        body,
      });
      expect((await send('/test/orders', body, now)).statusCode).toBe(200);
      // The secret is sealed at rest, never stored as given.
      const row = await r.database.db
        .selectFrom('api_keys')
        .select('signing_secret_sealed')
        .where('id', '=', next.id)
        .executeTakeFirstOrThrow();
      expect(row.signing_secret_sealed).toMatch(/^v2\./);
      expect(row.signing_secret_sealed).not.toContain(next.signingSecret.slice(4));
    });
  });
}

describe.runIf(process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL)(
  'signed requests across nodes',
  () => {
    it('a nonce used on one node is refused on the other', async () => {
      const database = await createTestDatabase('postgres');
      const redisKeyPrefix = uniqueRedisPrefix();
      const a = await startTestRampart({
        join: { database, redisKeyPrefix },
        register: orderRoute,
      });
      const b = await startTestRampart({
        join: { database, redisKeyPrefix },
        register: orderRoute,
      });
      try {
        const u = await createUser(a, 'nodes@example.com', ['DEVELOPER']);
        const token = await login(a, u.email, u.password);
        const k = await issueSigningKey(a, token, ['apikeys:write']);
        const body = '{"n":1}';
        const headers = {
          ...signRequest({
            keyId: k.id,
            secret: k.signingSecret,
            method: 'POST',
            url: '/test/orders',
            body,
          }),
          'content-type': 'application/json',
        };
        const first = await a.app.inject({
          method: 'POST',
          url: '/test/orders',
          headers,
          payload: body,
        });
        expect(first.statusCode, first.body).toBe(200);
        const replay = await b.app.inject({
          method: 'POST',
          url: '/test/orders',
          headers,
          payload: body,
        });
        expectProblem(replay, 401, 'signature_replayed');
      } finally {
        await Promise.all([a.close(), b.close()]);
        await database.drop();
      }
    });
  },
);
