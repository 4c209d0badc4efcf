import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../test/support/http-helpers.js';
import { testHotStoreKinds } from '../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import type { SecurityEvent } from '../events/security-event.js';
import { bearerToken } from './authenticate-now.js';

describe('bearerToken', () => {
  it('takes the token after the Bearer scheme in any case, and nothing else', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect(bearerToken(`${scheme} abc.def `)).toBe('abc.def');
    }
    for (const header of [
      'Basic abc',
      'Bearer',
      'Bearer ',
      'Bearerx abc',
      'Bearer\tabc',
      'Bearxr abc',
      '@EARER abc',
      'Beare\u0152 abc',
      ' Bearer abc',
    ]) {
      expect(bearerToken(header)).toBeUndefined();
    }
  });
});

for (const hot of testHotStoreKinds()) {
  describe(`authentication decided in memory (${hot} hot store)`, () => {
    let r: TestRampart;
    let token: string;
    let key: { id: string; key: string };
    const events: SecurityEvent[] = [];

    beforeAll(async () => {
      r = await startTestRampart({ hot });
      r.events.subscribe('test', (e) => {
        events.push(e);
      });
      const u = await createUser(r, 'fast-path@example.com', ['DEVELOPER']);
      token = await login(r, u.email, u.password);
      const issued = await r.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(token),
        payload: { name: 'fast', scopes: ['apikeys:read'] },
      });
      key = issued.json();
    });
    afterAll(async () => r?.close());
    afterEach(() => vi.restoreAllMocks());

    const whoami = (credential: string) =>
      r.app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: bearer(credential) });

    it('asks no store for a known token or key when the revocation lists are in this process', async () => {
      // The first uses verify the token's signature and load the key into the cache.
      expect((await whoami(token)).statusCode).toBe(200);
      expect((await whoami(key.key)).statusCode).toBe(200);
      const verifyToken = vi.spyOn(r.identity.verifier, 'verify');
      const isRevoked = vi.spyOn(r.identity.revocations, 'isRevoked');
      const verifyKey = vi.spyOn(r.identity.apiKeys, 'verify');
      const asUser = await whoami(token);
      const asKey = await whoami(key.key);
      expect(asUser.json()).toMatchObject({ kind: 'user' });
      expect(asKey.json()).toMatchObject({ kind: 'api_key', keyId: key.id });
      const asked = verifyToken.mock.calls.length + isRevoked.mock.calls.length;
      // On Redis every decision still goes to the shared store (global at once).
      if (hot === 'memory') {
        expect(asked).toBe(0);
        expect(verifyKey).not.toHaveBeenCalled();
      } else {
        expect(isRevoked).toHaveBeenCalledTimes(1);
        expect(verifyKey).toHaveBeenCalledTimes(1);
      }
    });

    it('refuses a revoked key at once, with its event, although it is cached', async () => {
      const del = await r.app.inject({
        method: 'DELETE',
        url: `/v1/api-keys/${key.id}`,
        headers: bearer(token),
      });
      expect(del.statusCode).toBe(204);
      expectProblem(await whoami(key.key), 401, 'invalid_api_key');
      expect(
        events.some(
          (e) =>
            e.type === 'apikey.rejected' &&
            e.target?.id === key.id &&
            e.details?.reason === 'revoked',
        ),
      ).toBe(true);
    });

    it('refuses a token revoked by logout at once, although its signature was verified before', async () => {
      expect((await whoami(token)).statusCode).toBe(200);
      const out = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/logout',
        headers: bearer(token),
      });
      expect(out.statusCode).toBeLessThan(300);
      expectProblem(await whoami(token), 401, 'invalid_token');
      expect(
        events.some((e) => e.type === 'auth.token.rejected' && e.details?.reason === 'revoked'),
      ).toBe(true);
    });
  });
}
