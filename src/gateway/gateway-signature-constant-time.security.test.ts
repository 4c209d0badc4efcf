/*
 * A signed gateway route compares the request's signature with the expected one. Compared
 * with `===` or Buffer.equals, the comparison stops at the first differing byte: how long
 * a refusal takes tells an attacker how many leading characters of a forged signature are
 * right, and a signature can be found character by character without the secret. No
 * answer shows the difference (both are 401 signature_invalid), so this file watches the
 * comparison itself: node:crypto is the real module, with timingSafeEqual wrapped to
 * record what it compares.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const compared = vi.hoisted(() => ({ values: [] as string[] }));

vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return {
    ...crypto,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      for (const v of [a, b]) {
        compared.values.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8'));
      }
      return crypto.timingSafeEqual(a, b);
    },
  };
});

const { bearer, createUser, expectProblem, login } = await import(
  '../../test/support/http-helpers.js'
);
const { startTestRampart } = await import('../../test/support/test-rampart.js');
const { startTestUpstream } = await import('../../test/support/test-upstream.js');
const { signRequest } = await import('../shared/sign-request.js');

describe('a signed gateway route compares signatures in constant time', () => {
  let upstream: Awaited<ReturnType<typeof startTestUpstream>>;
  let r: Awaited<ReturnType<typeof startTestRampart>>;
  let signingKey: { id: string; signingSecret: string };

  beforeAll(async () => {
    upstream = await startTestUpstream();
    r = await startTestRampart({
      overrides: {
        gateway: {
          upstream: upstream.url,
          identitySecret: 'gateway-identity-secret-for-tests-0123456789',
          routes: [
            {
              method: 'POST',
              path: '/api/signed',
              auth: 'apikey',
              permission: 'apikeys:write',
              signature: true,
              idempotency: false,
            },
          ],
        },
      },
    });
    const dev = await createUser(r, 'signer@example.com', ['DEVELOPER']);
    const token = await login(r, dev.email, dev.password);
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(token),
      payload: { name: 'signer', scopes: ['apikeys:write'], signing: true },
    });
    expect(res.statusCode, res.body).toBe(201);
    signingKey = res.json<{ id: string; signingSecret: string }>();
  });
  afterAll(async () => {
    await r?.close();
    await upstream?.close();
  });

  const body = '{"amount":10}';
  const send = (headers: Record<string, string>) =>
    r.app.inject({
      method: 'POST',
      url: '/api/signed',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: body,
    });
  const sign = () =>
    signRequest({
      keyId: signingKey.id,
      secret: signingKey.signingSecret,
      method: 'POST',
      url: '/api/signed',
      body,
    });

  it('through crypto.timingSafeEqual, for a forged signature and a genuine one alike', async () => {
    // Same length, last character changed: a character-by-character guess nearly done.
    const headers = sign();
    const genuine = headers['x-signature'] as string;
    const forged = `${genuine.slice(0, -1)}${genuine.endsWith('0') ? '1' : '0'}`;
    compared.values.length = 0;
    expectProblem(await send({ ...headers, 'x-signature': forged }), 401, 'signature_invalid');
    expect(compared.values).toContain(forged);

    const fresh = sign();
    compared.values.length = 0;
    expect((await send(fresh)).statusCode).toBe(200);
    expect(compared.values).toContain(fresh['x-signature']);
    expect(upstream.hits).toHaveLength(1);
  });
});
