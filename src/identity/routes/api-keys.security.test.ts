import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../../test/support/http-helpers.js';
import { testHotStoreKinds } from '../../../test/support/test-databases.js';
import {
  startCluster,
  startTestRampart,
  type TestRampart,
} from '../../../test/support/test-rampart.js';
import type { SecurityEvent } from '../../events/security-event.js';
import { parseApiKeyString } from '../../shared/api-key-string.js';

interface KeyJson {
  id: string;
  key: string;
  status: string;
  graceUntil: string | null;
  replacedBy: string | null;
  expiresAt: string | null;
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function issue(r: TestRampart, token: string, body: Record<string, unknown>) {
  const res = await r.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: bearer(token),
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<KeyJson>();
}

function whoami(r: TestRampart, key: string) {
  return r.app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: bearer(key) });
}

for (const hot of testHotStoreKinds()) {
  describe(`API key security (${hot} hot store)`, () => {
    let r: TestRampart;
    let token: string;
    let events: SecurityEvent[];

    beforeAll(async () => {
      r = await startTestRampart({ hot });
      events = [];
      r.events.subscribe('test', (e) => {
        events.push(e);
      });
      const u = await createUser(r, 'svc-owner@example.com', ['DEVELOPER']);
      token = await login(r, u.email, u.password);
    });
    afterAll(async () => r?.close());

    it('rejects a one-character typo by its checksum, before any lookup', async () => {
      const { key } = await issue(r, token, { name: 'typo', scopes: ['apikeys:read'] });
      expect((await whoami(r, key)).statusCode).toBe(200);
      const i = key.length - 10;
      const swapped = base62[(base62.indexOf(key[i] ?? '0') + 1) % 62];
      const typo = `${key.slice(0, i)}${swapped}${key.slice(i + 1)}`;
      expect(parseApiKeyString(typo)).toEqual({ ok: false, reason: 'bad_checksum' });
      const res = await whoami(r, typo);
      const problem = expectProblem(res, 401, 'invalid_api_key');
      expect(String(problem.detail)).toMatch(/checksum/);
      // A well-formed key that was never issued: same code, no hint.
      const forged = `rmp_dev_${'A'.repeat(43)}`;
      const { apiKeyChecksum } = await import('../../shared/api-key-string.js');
      const unknown = await whoami(r, `${forged}_${apiKeyChecksum(forged)}`);
      const unknownProblem = expectProblem(unknown, 401, 'invalid_api_key');
      expect(String(unknownProblem.detail)).not.toMatch(/checksum/);
    });

    it('makes a revocation hold at once, even where the key is cached', async () => {
      const created = await issue(r, token, { name: 'hot', scopes: ['apikeys:read'] });
      // Warm the cache.
      for (let i = 0; i < 3; i++) expect((await whoami(r, created.key)).statusCode).toBe(200);
      const del = await r.app.inject({
        method: 'DELETE',
        url: `/v1/api-keys/${created.id}`,
        headers: bearer(token),
      });
      expect(del.statusCode).toBe(204);
      expectProblem(await whoami(r, created.key), 401, 'invalid_api_key');
      expect(events.some((e) => e.type === 'apikey.rejected' && e.target?.id === created.id)).toBe(
        true,
      );
    });

    it('rotation: the new key works at once, the old one until its grace ends, then never', async () => {
      const old = await issue(r, token, { name: 'rotating', scopes: ['apikeys:read'] });
      expect((await whoami(r, old.key)).statusCode).toBe(200);
      const res = await r.app.inject({
        method: 'POST',
        url: `/v1/api-keys/${old.id}/rotate`,
        headers: bearer(token),
        payload: { gracePeriod: 1 },
      });
      expect(res.statusCode, res.body).toBe(201);
      const fresh = res.json<KeyJson>();
      expect(fresh.key).not.toBe(old.key);
      expect((await whoami(r, fresh.key)).statusCode).toBe(200);
      expect((await whoami(r, old.key)).statusCode).toBe(200);
      const listed = await r.app.inject({
        method: 'GET',
        url: `/v1/api-keys/${old.id}`,
        headers: bearer(token),
      });
      expect(listed.json()).toMatchObject({ status: 'grace', replacedBy: fresh.id });
      await sleep(1100);
      expectProblem(await whoami(r, old.key), 401, 'invalid_api_key');
      expect((await whoami(r, fresh.key)).statusCode).toBe(200);
      const again = await r.app.inject({
        method: 'POST',
        url: `/v1/api-keys/${old.id}/rotate`,
        headers: bearer(token),
      });
      expectProblem(again, 409, 'api_key_not_rotatable');
      expect(events.some((e) => e.type === 'apikey.rotated' && e.target?.id === old.id)).toBe(true);
    });

    it('rotation defaults to a 24 hour grace; gracePeriod 0 kills the old key at once', async () => {
      const a = await issue(r, token, { name: 'default grace', scopes: ['apikeys:read'] });
      const before = Date.now();
      const res = await r.app.inject({
        method: 'POST',
        url: `/v1/api-keys/${a.id}/rotate`,
        headers: bearer(token),
      });
      expect(res.statusCode, res.body).toBe(201);
      const old = await r.app.inject({
        method: 'GET',
        url: `/v1/api-keys/${a.id}`,
        headers: bearer(token),
      });
      const graceUntil = Date.parse(old.json<KeyJson>().graceUntil ?? '');
      expect(graceUntil - before).toBeGreaterThanOrEqual(86_400_000 - 1000);
      expect(graceUntil - before).toBeLessThanOrEqual(86_400_000 + 5000);

      const b = await issue(r, token, { name: 'no grace', scopes: ['apikeys:read'] });
      expect((await whoami(r, b.key)).statusCode).toBe(200);
      const now = await r.app.inject({
        method: 'POST',
        url: `/v1/api-keys/${b.id}/rotate`,
        headers: bearer(token),
        payload: { gracePeriod: 0 },
      });
      expect(now.statusCode).toBe(201);
      expectProblem(await whoami(r, b.key), 401, 'invalid_api_key');
    });

    it('of two concurrent rotations of one key, exactly one succeeds', async () => {
      const k = await issue(r, token, { name: 'race', scopes: ['apikeys:read'] });
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          r.app.inject({
            method: 'POST',
            url: `/v1/api-keys/${k.id}/rotate`,
            headers: bearer(token),
          }),
        ),
      );
      expect(results.filter((x) => x.statusCode === 201)).toHaveLength(1);
      for (const x of results.filter((y) => y.statusCode !== 201)) {
        expectProblem(x, 409, 'api_key_not_rotatable');
      }
    });

    it('an expired key stops working at its expiry', async () => {
      const k = await issue(r, token, {
        name: 'short',
        scopes: ['apikeys:read'],
        expiresAt: new Date(Date.now() + 1200).toISOString(),
      });
      expect((await whoami(r, k.key)).statusCode).toBe(200);
      await sleep(1300);
      expectProblem(await whoami(r, k.key), 401, 'invalid_api_key');
    });

    it('refuses a key in the URL query, says why, and raises an alarm naming the key', async () => {
      const k = await issue(r, token, { name: 'leaky', scopes: ['apikeys:read'] });
      for (const url of [
        `/v1/auth/whoami?api_key=${k.key}`,
        `/health?x=1&key=${k.key}`,
        `/v1/no-such-route?token=${k.key}`,
      ]) {
        const res = await r.app.inject({ method: 'GET', url });
        const problem = expectProblem(res, 400, 'api_key_in_url');
        expect(String(problem.detail)).toMatch(/Authorization|X-API-Key/);
        expect(res.body).not.toContain(k.key);
      }
      expect(
        events.filter((e) => e.type === 'apikey.exposed_in_url' && e.target?.id === k.id).length,
      ).toBeGreaterThanOrEqual(3);
      expect(r.logText()).not.toContain(k.key);
    });

    it('refuses a key percent-encoded in the URL query, in part, in whole or twice', async () => {
      const k = await issue(r, token, { name: 'encoded', scopes: ['apikeys:read'] });
      const secretPart = k.key.split('_')[2] ?? '';
      expect(secretPart.length).toBeGreaterThan(20);
      const whole = [...k.key].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
      for (const query of [
        `api_key=${k.key.replaceAll('_', '%5F')}`,
        `x=%72${k.key.slice(1)}`,
        `q=${whole.join('')}`,
        `q=${k.key.replaceAll('_', '%255F')}`,
      ]) {
        const res = await r.app.inject({ method: 'GET', url: `/v1/auth/whoami?${query}` });
        expectProblem(res, 400, 'api_key_in_url');
      }
      expect(
        events.filter((e) => e.type === 'apikey.exposed_in_url' && e.target?.id === k.id).length,
      ).toBeGreaterThanOrEqual(4);
      expect(r.logText()).not.toContain(secretPart);
      // A query with a stray % and no key goes on as before.
      const stray = await r.app.inject({ method: 'GET', url: '/health?x=100%&y=%zz' });
      expect(stray.statusCode).not.toBe(500);
      expect(stray.json()).not.toMatchObject({ code: 'api_key_in_url' });
    });

    it('introspection (RFC 7662): active tokens and keys described, anything else just inactive', async () => {
      const rs = await issue(r, token, { name: 'resource server', scopes: ['tokens:introspect'] });
      const subject = await issue(r, token, { name: 'subject', scopes: ['apikeys:read'] });
      const introspect = (payload: string | Record<string, unknown>, contentType?: string) =>
        r.app.inject({
          method: 'POST',
          url: '/v1/auth/introspect',
          headers: { ...bearer(rs.key), ...(contentType ? { 'content-type': contentType } : {}) },
          payload,
        });

      const ofJwt = await introspect({ token, token_type_hint: 'access_token' });
      expect(ofJwt.statusCode, ofJwt.body).toBe(200);
      expect(ofJwt.headers['cache-control']).toBe('no-store');
      const jwtBody = ofJwt.json<Record<string, unknown>>();
      expect(jwtBody).toMatchObject({
        active: true,
        token_type: 'access_token',
        roles: ['DEVELOPER'],
      });
      for (const f of ['sub', 'exp', 'iat', 'iss', 'aud', 'jti', 'scope'])
        expect(jwtBody).toHaveProperty(f);

      const ofKey = await introspect(
        `token=${encodeURIComponent(subject.key)}`,
        'application/x-www-form-urlencoded',
      );
      expect(ofKey.statusCode, ofKey.body).toBe(200);
      expect(ofKey.json()).toMatchObject({
        active: true,
        token_type: 'api_key',
        client_id: subject.id,
        scope: 'apikeys:read',
        owner_kind: 'user',
      });

      for (const dead of [
        'nonsense',
        `${token.slice(0, -3)}abc`,
        `rmp_dev_${'x'.repeat(43)}_000000`,
      ]) {
        const res = await introspect({ token: dead });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ active: false });
      }
      await r.app.inject({
        method: 'DELETE',
        url: `/v1/api-keys/${subject.id}`,
        headers: bearer(token),
      });
      expect((await introspect({ token: subject.key })).json()).toEqual({ active: false });

      // A token revoked by logout is inactive at once.
      const u = await createUser(r, `introspected-${hot}@example.com`);
      const t = await login(r, u.email, u.password);
      expect((await introspect({ token: t })).json()).toMatchObject({ active: true });
      await r.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(t) });
      expect((await introspect({ token: t })).json()).toEqual({ active: false });

      // The caller must be authenticated and allowed.
      const anonymous = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/introspect',
        payload: { token },
      });
      expectProblem(anonymous, 401, 'authentication_required');
      const viewer = await createUser(r, `viewer-${hot}@example.com`, ['VIEWER']);
      const viewerToken = await login(r, viewer.email, viewer.password);
      const notAllowed = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/introspect',
        headers: bearer(viewerToken),
        payload: { token },
      });
      expectProblem(notAllowed, 403, 'permission_denied');
      // Bad input is a 4xx problem.
      expectProblem(await introspect({ token, extra: 1 }), 400, 'validation_failed');
      expectProblem(await introspect({}), 400, 'validation_failed');
      expectProblem(
        await introspect('token=a&token=b', 'application/x-www-form-urlencoded'),
        400,
        'bad_request',
      );
    });
  });
}

describe.runIf(process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL)(
  'API keys across a two-node cluster',
  () => {
    it('a revocation or a rotation on one node holds on the other at once, with its cache warm', async () => {
      const cluster = await startCluster(2);
      try {
        const [a, b] = cluster.nodes as [TestRampart, TestRampart];
        const u = await createUser(a, 'cluster-keys@example.com', ['DEVELOPER']);
        const token = await login(a, u.email, u.password);
        const k = await issue(a, token, { name: 'shared', scopes: ['apikeys:read'] });
        for (let i = 0; i < 3; i++) expect((await whoami(b, k.key)).statusCode).toBe(200);
        const del = await a.app.inject({
          method: 'DELETE',
          url: `/v1/api-keys/${k.id}`,
          headers: bearer(token),
        });
        expect(del.statusCode).toBe(204);
        expectProblem(await whoami(b, k.key), 401, 'invalid_api_key');

        const r2 = await issue(a, token, { name: 'rotated', scopes: ['apikeys:read'] });
        expect((await whoami(b, r2.key)).statusCode).toBe(200);
        const rot = await a.app.inject({
          method: 'POST',
          url: `/v1/api-keys/${r2.id}/rotate`,
          headers: bearer(token),
          payload: { gracePeriod: 0 },
        });
        expect(rot.statusCode).toBe(201);
        expectProblem(await whoami(b, r2.key), 401, 'invalid_api_key');
        expect((await whoami(b, rot.json<KeyJson>().key)).statusCode).toBe(200);
      } finally {
        await cluster.close();
      }
    });
  },
);
