import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createUser,
  expectProblem,
  loginSession,
  type TokenPairJson,
} from '../support/http-helpers.js';
import { startCluster, type TestRampart } from '../support/test-rampart.js';

const clustered = Boolean(
  process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL,
);

describe.skipIf(!clustered)('identity across two nodes on one PostgreSQL and Redis', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let a: TestRampart;
  let b: TestRampart;
  beforeAll(async () => {
    cluster = await startCluster(2);
    [a, b] = cluster.nodes as [TestRampart, TestRampart];
  });
  afterAll(async () => cluster?.close());

  const me = (node: TestRampart, token: string) =>
    node.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });

  it('verifies on one node a token issued by the other', async () => {
    const user = await createUser(a, 'both@example.com');
    const pair = await loginSession(a, user.email, user.password);
    expect((await me(b, pair.access_token)).statusCode).toBe(200);
  });

  it('holds a logout on one node on the other at once', async () => {
    const user = await createUser(a, 'logout@example.com');
    const pair = await loginSession(b, user.email, user.password);
    expect((await me(a, pair.access_token)).statusCode).toBe(200);
    expect(
      (
        await a.app.inject({
          method: 'POST',
          url: '/v1/auth/logout',
          headers: bearer(pair.access_token),
        })
      ).statusCode,
    ).toBe(204);
    // No waiting: the very next request on the other node is refused.
    expectProblem(await me(b, pair.access_token), 401, 'invalid_token');
    expectProblem(
      await b.app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        payload: { refresh_token: pair.refresh_token },
      }),
      401,
      'invalid_refresh_token',
    );
  });

  it('holds a lockout on one node on the other at once, and shares the attempt budget', async () => {
    const user = await createUser(a, 'locked@example.com');
    const tries = Array.from({ length: 12 }, (_, i) =>
      (i % 2 === 0 ? a : b).app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: user.email, password: `wrong guess ${i}!!` },
      }),
    );
    await Promise.all(tries);
    expectProblem(
      await a.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: user.email, password: user.password },
      }),
      401,
      'invalid_credentials',
    );
    expectProblem(
      await b.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: user.email, password: user.password },
      }),
      401,
      'invalid_credentials',
    );
  });

  it('detects refresh-token reuse across nodes and revokes the family everywhere', async () => {
    const user = await createUser(a, 'reuse@example.com');
    const first = await loginSession(a, user.email, user.password);
    const second = (
      await b.app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        payload: { refresh_token: first.refresh_token },
      })
    ).json<TokenPairJson>();
    expectProblem(
      await a.app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        payload: { refresh_token: first.refresh_token },
      }),
      401,
      'invalid_refresh_token',
    );
    expectProblem(
      await b.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(second.access_token) }),
      401,
      'invalid_token',
    );
  });

  it('makes a signing key rotated on one node verify on the other at once', async () => {
    const user = await createUser(a, 'rotate@example.com');
    await a.signingKeys.rotate({ kind: 'system' });
    const pair = await loginSession(a, user.email, user.password);
    expect((await me(b, pair.access_token)).statusCode).toBe(200);
  });
});
