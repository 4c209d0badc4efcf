import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, loginSession } from '../support/http-helpers.js';
import { startCluster } from '../support/test-rampart.js';

const clustered = Boolean(
  process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL,
);

/**
 * Two nodes on one PostgreSQL and Redis: an administrator's lock on
 * one node is in force on the other at once: sign-in refused, the old tokens refused.
 */
describe.skipIf(!clustered)('account administration in a two-node cluster', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;

  beforeAll(async () => {
    cluster = await startCluster(2);
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it('refuses sign-in and the old tokens on the other node as soon as the lock answers', async () => {
    const [a, b] = cluster.nodes;
    if (!a || !b) throw new Error('two nodes expected');
    const admin = await createUser(a, 'root@cluster.example', ['ADMIN']);
    const adminToken = (await loginSession(a, admin.email, admin.password)).access_token;
    const user = await createUser(a, 'user@cluster.example', ['DEVELOPER']);
    const onB = await loginSession(b, user.email, user.password);

    const lock = await a.app.inject({
      method: 'POST',
      url: `/v1/admin/accounts/${user.id}/lock`,
      headers: bearer(adminToken),
    });
    expect(lock.statusCode, lock.body).toBe(200);

    expectProblem(
      await b.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(onB.access_token) }),
      401,
      'invalid_token',
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
    const detail = await b.app.inject({
      method: 'GET',
      url: `/v1/admin/accounts/${user.id}`,
      headers: bearer(adminToken),
    });
    expect(detail.json()).toMatchObject({ locked: true, active_sessions: 0 });

    const unlock = await b.app.inject({
      method: 'POST',
      url: `/v1/admin/accounts/${user.id}/unlock`,
      headers: bearer(adminToken),
    });
    expect(unlock.statusCode).toBe(204);
    await loginSession(a, user.email, user.password);
  });
});
