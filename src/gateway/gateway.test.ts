import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../test/support/http-helpers.js';
import { testHotStoreKinds } from '../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import {
  startTestUpstream,
  type TestUpstream,
  type UpstreamHit,
} from '../../test/support/test-upstream.js';
import type { SecurityEvent } from '../events/security-event.js';
import { signRequest } from '../shared/sign-request.js';
import { verifyGatewayIdentity } from './verify-identity.js';

const secret = 'gateway-identity-secret-for-tests-0123456789';

interface IssuedKey {
  id: string;
  key: string;
  signingSecret?: string;
}

for (const hot of testHotStoreKinds()) {
  describe(`gateway (${hot} hot store)`, () => {
    let upstream: TestUpstream;
    let r: TestRampart;
    let events: SecurityEvent[];
    let devToken: string;
    let viewerToken: string;
    let readKey: IssuedKey;
    let signingKey: IssuedKey;

    async function issueKey(token: string, scopes: string[], signing = false): Promise<IssuedKey> {
      const res = await r.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(token),
        payload: { name: 'gateway', scopes, ...(signing ? { signing: true } : {}) },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<IssuedKey>();
    }

    beforeAll(async () => {
      upstream = await startTestUpstream();
      r = await startTestRampart({
        hot,
        overrides: {
          gateway: {
            upstream: `${upstream.url}/base`,
            identitySecret: secret,
            timeout: 1,
            circuitBreaker: { failures: 50, openDuration: 1 },
            routes: [
              {
                method: '*',
                path: '/api/public/*',
                auth: 'none',
                signature: false,
                idempotency: false,
              },
              {
                method: '*',
                path: '/api/user/*',
                auth: 'jwt',
                signature: false,
                idempotency: false,
              },
              {
                method: 'GET',
                path: '/api/keys/:id',
                auth: 'apikey',
                signature: false,
                idempotency: false,
              },
              {
                method: '*',
                path: '/api/any/*',
                auth: 'any',
                permission: 'apikeys:read',
                signature: false,
                idempotency: false,
              },
              {
                method: 'POST',
                path: '/api/admin/*',
                auth: 'jwt',
                permission: 'accounts:write',
                signature: false,
                idempotency: false,
              },
              {
                method: 'POST',
                path: '/api/signed',
                auth: 'apikey',
                permission: 'apikeys:write',
                signature: true,
                idempotency: false,
              },
              {
                method: 'GET',
                path: '/api/limited',
                auth: 'none',
                rateLimit: { limit: 2, window: 60, key: ['ip'] },
                signature: false,
                idempotency: false,
              },
              {
                method: 'POST',
                path: '/api/idem',
                auth: 'any',
                signature: false,
                idempotency: true,
              },
            ],
          },
        },
      });
      events = [];
      r.events.subscribe('test', (e) => {
        events.push(e);
      });
      const dev = await createUser(r, 'dev@example.com', ['DEVELOPER']);
      devToken = await login(r, dev.email, dev.password);
      const viewer = await createUser(r, 'viewer@example.com', ['VIEWER']);
      viewerToken = await login(r, viewer.email, viewer.password);
      readKey = await issueKey(devToken, ['apikeys:read']);
      signingKey = await issueKey(devToken, ['apikeys:write'], true);
    });
    afterAll(async () => {
      await r?.close();
      await upstream?.close();
    });
    beforeEach(() => {
      upstream.hits.length = 0;
      upstream.delayMs = 0;
      upstream.die = false;
    });

    function lastHit(): UpstreamHit {
      const hit = upstream.hits.at(-1);
      if (!hit) throw new Error('the upstream was not called');
      return hit;
    }

    it('proxies an anonymous route with the base path, query, status and body', async () => {
      const res = await r.app.inject({
        method: 'PUT',
        url: '/api/public/items/7?status=201&x=1',
        headers: { 'content-type': 'text/plain' },
        payload: 'hello upstream',
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.headers['x-upstream']).toBe('yes');
      const hit = lastHit();
      expect(hit.method).toBe('PUT');
      expect(hit.url).toBe('/base/api/public/items/7?status=201&x=1');
      expect(hit.bodySha256).toBe(createHash('sha256').update('hello upstream').digest('hex'));
      expect(hit.headers['content-type']).toBe('text/plain');
      expect(hit.headers['x-rampart-principal']).toBe('anonymous');
    });

    it('passes any media type through unparsed, even invalid JSON', async () => {
      const res = await r.app.inject({
        method: 'POST',
        url: '/api/public/raw',
        headers: { 'content-type': 'application/json' },
        payload: '{"not json',
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(lastHit().bodyLength).toBe(10);
    });

    it('jwt routes refuse anonymous callers and API keys before the upstream', async () => {
      expectProblem(
        await r.app.inject({ method: 'GET', url: '/api/user/me' }),
        401,
        'authentication_required',
      );
      expectProblem(
        await r.app.inject({
          method: 'GET',
          url: '/api/user/me',
          headers: { 'x-api-key': readKey.key },
        }),
        403,
        'user_token_required',
      );
      expect(upstream.hits).toHaveLength(0);
      const ok = await r.app.inject({
        method: 'GET',
        url: '/api/user/me',
        headers: bearer(devToken),
      });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(lastHit().headers['x-rampart-principal']).toMatch(/^user:/);
      expect(lastHit().headers['x-rampart-roles']).toBe('DEVELOPER');
    });

    it('apikey routes refuse user tokens and bad keys before the upstream', async () => {
      expectProblem(
        await r.app.inject({ method: 'GET', url: '/api/keys/1', headers: bearer(devToken) }),
        401,
        'api_key_required',
      );
      expectProblem(
        await r.app.inject({
          method: 'GET',
          url: '/api/keys/1',
          headers: { 'x-api-key': 'rmp_nope' },
        }),
        401,
        'invalid_api_key',
      );
      expect(upstream.hits).toHaveLength(0);
      const ok = await r.app.inject({
        method: 'GET',
        url: '/api/keys/1',
        headers: { 'x-api-key': readKey.key },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      const hit = lastHit();
      expect(hit.headers['x-rampart-key-id']).toBe(readKey.id);
      expect(hit.headers['x-rampart-scopes']).toBe('apikeys:read');
      expect(hit.headers['x-rampart-principal']).toMatch(/^api_key:/);
      expect(hit.headers['x-api-key']).toBeUndefined();
      const viaBearer = await r.app.inject({
        method: 'GET',
        url: '/api/keys/2',
        headers: { authorization: `Bearer ${readKey.key}` },
      });
      expect(viaBearer.statusCode).toBe(200);
      expect(lastHit().headers.authorization).toBeUndefined();
    });

    it('any routes take a token or a key, and refuse a caller without the permission', async () => {
      expect(
        (await r.app.inject({ method: 'GET', url: '/api/any/x', headers: bearer(devToken) }))
          .statusCode,
      ).toBe(200);
      expect(
        (
          await r.app.inject({
            method: 'GET',
            url: '/api/any/x',
            headers: { 'x-api-key': readKey.key },
          })
        ).statusCode,
      ).toBe(200);
      expect(upstream.hits).toHaveLength(2);
      // A key scoped to apikeys:write only is not allowed apikeys:read.
      expectProblem(
        await r.app.inject({
          method: 'GET',
          url: '/api/any/x',
          headers: { authorization: `Bearer ${signingKey.key}` },
        }),
        403,
        'permission_denied',
      );
      expectProblem(
        await r.app.inject({ method: 'POST', url: '/api/admin/x', headers: bearer(devToken) }),
        403,
        'permission_denied',
      );
      expectProblem(
        await r.app.inject({ method: 'GET', url: '/api/any/x' }),
        401,
        'authentication_required',
      );
      expect(upstream.hits).toHaveLength(2);
    });

    it('a viewer is refused a permission it lacks', async () => {
      expectProblem(
        await r.app.inject({ method: 'POST', url: '/api/admin/x', headers: bearer(viewerToken) }),
        403,
        'permission_denied',
      );
      expect(upstream.hits).toHaveLength(0);
    });

    it('the identity headers verify with the helper, and a tampered copy does not', async () => {
      const res = await r.app.inject({
        method: 'GET',
        url: '/api/keys/42?q=1',
        headers: { 'x-api-key': readKey.key },
      });
      expect(res.statusCode).toBe(200);
      const hit = lastHit();
      const verified = verifyGatewayIdentity(hit, { secret });
      expect(verified.ok).toBe(true);
      if (!verified.ok) return;
      expect(verified.identity).toMatchObject({
        kind: 'api_key',
        keyId: readKey.id,
        scopes: ['apikeys:read'],
        roles: ['DEVELOPER'],
        requestId: res.headers['x-request-id'],
      });
      const tampered = { ...hit, headers: { ...hit.headers, 'x-rampart-roles': 'ADMIN' } };
      expect(verifyGatewayIdentity(tampered, { secret })).toEqual({ ok: false, reason: 'invalid' });
      const otherPath = { ...hit, url: '/base/api/keys/43?q=1' };
      expect(verifyGatewayIdentity(otherPath, { secret })).toEqual({
        ok: false,
        reason: 'invalid',
      });
      expect(verifyGatewayIdentity(hit, { secret: `${secret}x` })).toEqual({
        ok: false,
        reason: 'invalid',
      });
      expect(
        verifyGatewayIdentity(hit, { secret, now: Math.floor(Date.now() / 1000) + 3600 }),
      ).toEqual({ ok: false, reason: 'expired' });
    });

    it('a signed gateway route takes a signed request once and refuses unsigned and replayed ones', async () => {
      const body = '{"amount":10}';
      const headers = signRequest({
        keyId: signingKey.id,
        secret: signingKey.signingSecret as string,
        method: 'POST',
        url: '/api/signed',
        body,
      });
      const send = (h: Record<string, string>) =>
        r.app.inject({
          method: 'POST',
          url: '/api/signed',
          headers: { ...h, 'content-type': 'application/json' },
          payload: body,
        });
      const ok = await send(headers);
      expect(ok.statusCode, ok.body).toBe(200);
      expect(lastHit().bodySha256).toBe(createHash('sha256').update(body).digest('hex'));
      expect(lastHit().headers['x-rampart-key-id']).toBe(signingKey.id);
      expectProblem(await send(headers), 401, 'signature_replayed');
      expectProblem(await send({ 'x-api-key': signingKey.key }), 401, 'signature_required');
      const tampered = signRequest({
        keyId: signingKey.id,
        secret: signingKey.signingSecret as string,
        method: 'POST',
        url: '/api/signed',
        body: '{"amount":1}',
      });
      expectProblem(await send(tampered), 401, 'signature_invalid');
      expect(upstream.hits).toHaveLength(1);
    });

    it('a rate-limited gateway route refuses past its limit with 429 and RateLimit headers', async () => {
      const first = await r.app.inject({ method: 'GET', url: '/api/limited' });
      expect(first.statusCode).toBe(200);
      expect(first.headers['ratelimit-policy']).toMatch(/gateway-7/);
      expect((await r.app.inject({ method: 'GET', url: '/api/limited' })).statusCode).toBe(200);
      const refused = await r.app.inject({ method: 'GET', url: '/api/limited' });
      expectProblem(refused, 429, 'quota_exceeded');
      expect(upstream.hits).toHaveLength(2);
    });

    it('an idempotent gateway route answers a retry from the kept response', async () => {
      const send = (payload: string) =>
        r.app.inject({
          method: 'POST',
          url: '/api/idem',
          headers: {
            ...bearer(devToken),
            'idempotency-key': 'order-1',
            'content-type': 'application/json',
          },
          payload,
        });
      const first = await send('{"n":1}');
      expect(first.statusCode, first.body).toBe(200);
      const again = await send('{"n":1}');
      expect(again.statusCode).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toBe(first.body);
      expect(upstream.hits).toHaveLength(1);
      expectProblem(await send('{"n":2}'), 422, 'idempotency_key_reused');
    });

    it('ignores Idempotency-Key on routes that did not ask for it', async () => {
      const send = () =>
        r.app.inject({
          method: 'POST',
          url: '/api/any/thing',
          headers: {
            ...bearer(devToken),
            'idempotency-key': 'k-1',
            'content-type': 'application/json',
          },
          payload: '{}',
        });
      expect((await send()).statusCode).toBe(200);
      expect((await send()).statusCode).toBe(200);
      expect(upstream.hits).toHaveLength(2);
      expect(lastHit().headers['idempotency-key']).toBe('k-1');
    });

    it('answers 504 upstream_timeout when the upstream is slower than gateway.timeout', async () => {
      upstream.delayMs = 1500;
      const started = performance.now();
      const res = await r.app.inject({ method: 'GET', url: '/api/public/slow' });
      const waited = performance.now() - started;
      expectProblem(res, 504, 'upstream_timeout');
      // At gateway.timeout (1 s), not up to a second later as undici's own timer cut.
      expect(waited).toBeGreaterThanOrEqual(990);
      expect(waited).toBeLessThan(1400);
      const failed = events.filter((e) => e.type === 'gateway.upstream.failed');
      expect(failed.at(-1)?.details).toMatchObject({ reason: 'timeout', route: '* /api/public/*' });
      expect(r.gateway.stats().find((s) => s.route === '* /api/public/*')?.timeouts).toBe(1);
    });

    it('an answer that comes just inside gateway.timeout is passed on', async () => {
      const timeouts = () => r.gateway.stats().find((s) => s.route === '* /api/public/*')?.timeouts;
      const before = timeouts();
      upstream.delayMs = 700;
      const res = await r.app.inject({ method: 'GET', url: '/api/public/slow' });
      expect(res.statusCode).toBe(200);
      expect(timeouts()).toBe(before);
    });

    it('answers 502 upstream_unavailable when the upstream drops the connection', async () => {
      upstream.die = true;
      expectProblem(
        await r.app.inject({ method: 'GET', url: '/api/public/die' }),
        502,
        'upstream_unavailable',
      );
    });

    it('refuses a declared body over gateway.maxBodyBytes with 413 before the upstream', async () => {
      const res = await r.app.inject({
        method: 'POST',
        url: '/api/public/big',
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(200 * 1024 * 1024),
        },
        payload: 'x',
      });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(upstream.hits).toHaveLength(0);
    });

    it('unknown paths outside the table are 404 problems', async () => {
      expectProblem(await r.app.inject({ method: 'GET', url: '/api/nowhere' }), 404, 'not_found');
    });
  });
}
