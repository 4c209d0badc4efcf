/**
 * Every refusal of an API key keeps its answer whether or not the key is in memory.
 *
 * The attack: a key checked only against the cache could let a string that is not a key,
 * a typo of a cached key or a key of another environment through, or refuse a revoked,
 * expired or restricted key with a different answer than from a cold cache (telling an
 * attacker what the server holds). Each case below asks twice (the second answer comes
 * from a warm cache, or the memory of unknown keys) and pins status, code, detail, the
 * challenge header and the audit event.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createAdmin,
  createUser,
  expectProblem,
  login,
} from '../../../test/support/http-helpers.js';
import { testHotStoreKinds } from '../../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import type { SecurityEvent } from '../../events/security-event.js';
import { apiKeyChecksum, createApiKeyString } from '../../shared/api-key-string.js';
import type { PubSub } from '../../storage/hot-state.js';
import { SqlApiKeyStore } from '../../storage/sql/sql-api-key-store.js';
import type { ApiKeyCache } from '../core/api-key-cache.js';
import { ApiKeyChanges } from '../core/api-key-changes.js';

interface KeyJson {
  id: string;
  key: string;
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const inactive = 'The API key is not valid: unknown, revoked, expired or past its rotation grace.';
const notAKey = 'The value is not a Rampart API key.';
const checksum = 'The key fails its checksum: a typo or a truncated copy.';

/** `key` with the character at `i` replaced by the next base62 one: a one-character typo. */
function typo(key: string, i: number): string {
  const swapped = base62[(base62.indexOf(key[i] ?? '0') + 1) % 62];
  return `${key.slice(0, i)}${swapped}${key.slice(i + 1)}`;
}

for (const hot of testHotStoreKinds()) {
  describe(`API key refusals, cold and cached (${hot} hot store)`, () => {
    let r: TestRampart;
    let token: string;
    let admin: string;
    const events: SecurityEvent[] = [];

    beforeAll(async () => {
      r = await startTestRampart({ hot });
      r.events.subscribe('test', (e) => {
        events.push(e);
      });
      const u = await createUser(r, 'refusals@example.com', ['DEVELOPER']);
      token = await login(r, u.email, u.password);
      admin = (await createAdmin(r, 'refusals-admin@example.com')).token;
    });
    afterAll(async () => r?.close());

    async function issue(body: Record<string, unknown>, as = token): Promise<KeyJson> {
      const res = await r.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(as),
        payload: { scopes: ['apikeys:read'], ...body },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<KeyJson>();
    }

    const whoami = (key: string, remoteAddress = '127.0.0.1', header = 'authorization') =>
      r.app.inject({
        method: 'GET',
        url: '/v1/auth/whoami',
        remoteAddress,
        headers: header === 'authorization' ? bearer(key) : { [header]: key },
      });

    /** Asserts an `invalid_api_key` refusal and the event it left; returns nothing. */
    function expectInvalid(
      res: LightMyRequestResponse,
      reason: string,
      detail: string,
      keyId?: string,
    ): void {
      const problem = expectProblem(res, 401, 'invalid_api_key');
      expect(problem.detail).toBe(detail);
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      const last = events.filter((e) => e.type === 'apikey.rejected').at(-1);
      expect(last?.outcome).toBe('denied');
      expect(last?.details).toEqual({ reason });
      expect(last?.target).toEqual(
        keyId === undefined ? undefined : { type: 'api_key', id: keyId },
      );
    }

    it('a string that is not a key, whatever its length, prefix or characters', async () => {
      const { key } = await issue({ name: 'shape' });
      expect((await whoami(key)).statusCode).toBe(200);
      for (const bad of [
        'rmp_',
        'rmp_dev_short',
        `${key}x`,
        key.slice(0, -1),
        `${key.slice(0, 20)}-${key.slice(21)}`,
        `rmp_${'a'.repeat(59)}`,
        `rmp_${'a'.repeat(70)}`,
      ]) {
        for (let i = 0; i < 2; i++) expectInvalid(await whoami(bad), 'malformed', notAKey);
      }
      // X-API-Key reaches the key check whatever the value; a bearer token without `rmp_` is
      // an access token.
      for (const bad of ['not-a-key', key.replace('rmp_', 'rmq_'), `rmp_${'a'.repeat(59)}`]) {
        for (let i = 0; i < 2; i++)
          expectInvalid(await whoami(bad, '127.0.0.1', 'x-api-key'), 'malformed', notAKey);
      }
    });

    it('a one-character typo of a cached key fails its checksum, at every position', async () => {
      const { key } = await issue({ name: 'typos' });
      expect((await whoami(key)).statusCode).toBe(200);
      for (const i of [4, 8, 30, key.length - 8, key.length - 1]) {
        for (let n = 0; n < 2; n++)
          expectInvalid(await whoami(typo(key, i)), 'bad_checksum', checksum);
      }
      expect((await whoami(key)).statusCode).toBe(200);
    });

    it('a well-formed key never issued is unknown, asked once or many times', async () => {
      const forged = createApiKeyString({ env: 'dev' });
      for (let i = 0; i < 3; i++) expectInvalid(await whoami(forged), 'unknown', inactive);
    });

    it('a key of another environment is unknown here, even the issued key under another name', async () => {
      const { key } = await issue({ name: 'environment' });
      expect((await whoami(key)).statusCode).toBe(200);
      const body = key.slice(0, key.lastIndexOf('_')).replace(/^rmp_[a-z0-9]+_/, 'rmp_prod_');
      const elsewhere = `${body}_${apiKeyChecksum(body)}`;
      for (let i = 0; i < 2; i++) expectInvalid(await whoami(elsewhere), 'unknown', inactive);
      const other = createApiKeyString({ env: 'stg' });
      for (let i = 0; i < 2; i++) expectInvalid(await whoami(other), 'unknown', inactive);
    });

    it('a revoked key is refused at once although it is cached', async () => {
      const k = await issue({ name: 'revoked' });
      for (let i = 0; i < 2; i++) expect((await whoami(k.key)).statusCode).toBe(200);
      const del = await r.app.inject({
        method: 'DELETE',
        url: `/v1/api-keys/${k.id}`,
        headers: bearer(token),
      });
      expect(del.statusCode).toBe(204);
      for (let i = 0; i < 2; i++) expectInvalid(await whoami(k.key), 'revoked', inactive, k.id);
    });

    it('a key revoked on another node is refused from a warm cache here, even if the announcement is lost', async () => {
      const k = await issue({ name: 'revoked elsewhere' });
      for (let i = 0; i < 2; i++) expect((await whoami(k.key)).statusCode).toBe(200);
      // Another node revokes the key: the row, the hot store's revocation set, and an
      // announcement this node never hears (pub/sub delivers at most once).
      await new SqlApiKeyStore(r.database.db).revokeKey(k.id, 'revoked_by_user', Date.now());
      const lostAnnouncement: PubSub = {
        publish: async () => {},
        subscribe: async () => async () => {},
      };
      const otherNodeCache = { invalidate: () => {} } as unknown as ApiKeyCache;
      await new ApiKeyChanges({
        cache: otherNodeCache,
        sets: r.hot.sets,
        pubsub: lostAnnouncement,
        cacheTtlMs: r.config.apiKeys.cacheTtl * 1000,
      }).markRevoked(k.id);
      for (let i = 0; i < 2; i++) expectInvalid(await whoami(k.key), 'revoked', inactive, k.id);
    });

    it('a cached key stops at its expiry', async () => {
      const k = await issue({
        name: 'expiring',
        expiresAt: new Date(Date.now() + 1200).toISOString(),
      });
      for (let i = 0; i < 2; i++) expect((await whoami(k.key)).statusCode).toBe(200);
      await sleep(1300);
      for (let i = 0; i < 2; i++) expectInvalid(await whoami(k.key), 'expired', inactive, k.id);
    });

    it('a rotated key works from the cache during its grace, then ends with it', async () => {
      const old = await issue({ name: 'rotated' });
      expect((await whoami(old.key)).statusCode).toBe(200);
      const rotated = await r.app.inject({
        method: 'POST',
        url: `/v1/api-keys/${old.id}/rotate`,
        headers: bearer(token),
        payload: { gracePeriod: 1 },
      });
      expect(rotated.statusCode, rotated.body).toBe(201);
      for (let i = 0; i < 2; i++) expect((await whoami(old.key)).statusCode).toBe(200);
      await sleep(1100);
      for (let i = 0; i < 2; i++)
        expectInvalid(await whoami(old.key), 'grace_ended', inactive, old.id);
      expect((await whoami(rotated.json<KeyJson>().key)).statusCode).toBe(200);
    });

    it('a cached key used from outside its networks is refused with 403, every time', async () => {
      const k = await issue({ name: 'networks', allowedCidrs: ['203.0.113.0/24'] });
      expect((await whoami(k.key, '203.0.113.7')).statusCode).toBe(200);
      for (let i = 0; i < 2; i++) {
        const res = await whoami(k.key, '198.51.100.1');
        expectProblem(res, 403, 'api_key_source_denied');
        expect(res.headers['www-authenticate']).toBeUndefined();
        const last = events.filter((e) => e.type === 'apikey.rejected').at(-1);
        expect(last?.details).toEqual({ reason: 'source_denied' });
        expect(last?.target).toEqual({ type: 'api_key', id: k.id });
      }
      expect((await whoami(k.key, '203.0.113.8')).statusCode).toBe(200);
    });

    it('the key of a locked account is refused at once although it is cached', async () => {
      const owner = await createUser(r, 'refusals-locked@example.com', ['DEVELOPER']);
      const ownerToken = await login(r, owner.email, owner.password);
      const k = await issue({ name: 'locked owner' }, ownerToken);
      for (let i = 0; i < 2; i++) expect((await whoami(k.key)).statusCode).toBe(200);
      const lock = await r.app.inject({
        method: 'POST',
        url: `/v1/admin/accounts/${owner.id}/lock`,
        headers: bearer(admin),
        payload: { reason: 'test' },
      });
      expect(lock.statusCode, lock.body).toBeLessThan(300);
      for (let i = 0; i < 2; i++)
        expectInvalid(await whoami(k.key), 'owner_disabled', inactive, k.id);
    });
  });
}
