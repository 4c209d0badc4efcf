import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mfaToken } from '../support/authz-helpers.js';
import { bearer, createAdmin, createUser, login } from '../support/http-helpers.js';
import { startCluster, type TestRampart } from '../support/test-rampart.js';

const clustered = Boolean(
  process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL,
);

async function within<T>(ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!clustered)('the authorization policy across two nodes', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let a: TestRampart;
  let b: TestRampart;
  beforeAll(async () => {
    cluster = await startCluster(2);
    [a, b] = cluster.nodes as [TestRampart, TestRampart];
  });
  afterAll(async () => cluster?.close());

  it('enforces on node B, within a second, a grant and a role assignment made on node A', async () => {
    const admin = await createAdmin(a, 'cluster-admin@example.com');
    const adminToken = await mfaToken(a, admin.email);
    const user = await createUser(a, 'cluster-user@example.com');
    const userToken = await login(b, user.email, user.password);
    const check = (node: TestRampart) =>
      node.app.inject({
        method: 'POST',
        url: '/v1/authz/check',
        headers: bearer(adminToken),
        payload: {
          principal: { kind: 'user', id: user.id, roles: [] },
          action: 'read',
          resource: { type: 'reports', id: 'r-1' },
        },
      });
    expect((await check(b)).json()).toMatchObject({ allowed: false, reason: 'no_grant' });

    const added = await a.app.inject({
      method: 'POST',
      url: '/v1/authz/grants',
      headers: bearer(adminToken),
      payload: {
        id: 'cluster-grant',
        subject: { principal: user.id },
        resourceType: 'reports',
        resourceId: 'r-*',
        actions: ['read'],
      },
    });
    expect(added.statusCode, added.body).toBe(201);
    const started = Date.now();
    await within(1000, async () => ((await check(b)).json().allowed ? true : undefined));
    expect(Date.now() - started).toBeLessThan(1000);

    // An assigned role takes effect on B's own guards too.
    const adminOnly = () =>
      b.app.inject({ method: 'GET', url: '/v1/admin/rate-limits', headers: bearer(userToken) });
    expect((await adminOnly()).statusCode).toBe(403);
    const assigned = await a.app.inject({
      method: 'PUT',
      url: `/v1/authz/assignments/${user.id}`,
      headers: bearer(adminToken),
      payload: { roles: ['ADMIN'] },
    });
    expect(assigned.statusCode, assigned.body).toBe(200);
    await within(1000, async () => ((await adminOnly()).statusCode === 200 ? true : undefined));
  });
});
