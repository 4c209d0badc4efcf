/**
 * Attack: a narrowly scoped API key of a powerful owner is used on a route that needs a
 * wildcard permission (`apikeys:*`, as gateway routes declare them). The owner holds the
 * wildcard, so a decision that looked only at the owner would let a key scoped to
 * `apikeys:read` do everything its owner may: a key must never do more than its scopes.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';

async function wildcardRoute(app: FastifyInstance): Promise<void> {
  app.get(
    '/test/every-key-operation',
    { preHandler: app.rampartAuth.requirePermission('apikeys:*') },
    async () => ({ ok: true }),
  );
}

describe('a wildcard permission requirement and API key scopes', () => {
  let r: TestRampart;
  let token: string;
  beforeAll(async () => {
    r = await startTestRampart({ register: wildcardRoute });
    const owner = await createUser(r, 'wildcard-owner@example.com', ['DEVELOPER']);
    token = await login(r, owner.email, owner.password);
  });
  afterAll(async () => r?.close());

  async function keyWith(scopes: string[]): Promise<string> {
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(token),
      payload: { name: scopes.join(' '), scopes },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ key: string }>().key;
  }

  const call = (credential: string) =>
    r.app.inject({ method: 'GET', url: '/test/every-key-operation', headers: bearer(credential) });

  it('lets the owner through, and a key scoped to the wildcard', async () => {
    expect((await call(token)).statusCode).toBe(200);
    expect((await call(await keyWith(['apikeys:*']))).statusCode).toBe(200);
  });

  it('refuses a key whose scopes do not cover the wildcard, although its owner holds it', async () => {
    expectProblem(await call(await keyWith(['apikeys:read'])), 403, 'permission_denied');
    expectProblem(
      await call(await keyWith(['apikeys:read', 'apikeys:write'])),
      403,
      'permission_denied',
    );
  });
});
