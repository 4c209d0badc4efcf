import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser } from '../support/http-helpers.js';
import { startCluster, type TestRampart } from '../support/test-rampart.js';

const clustered = Boolean(
  process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL,
);

describe.skipIf(!clustered)('data key rotation across two nodes', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let a: TestRampart;
  let b: TestRampart;
  beforeAll(async () => {
    cluster = await startCluster(2);
    [a, b] = cluster.nodes as [TestRampart, TestRampart];
  });
  afterAll(async () => cluster?.close());

  it('shares one ring: both nodes start on the same primary key', () => {
    expect(b.dataKeys.primaryKeyId).toBe(a.dataKeys.primaryKeyId);
  });

  it('has the other node pick up a rotation at once, and open what the first sealed', async () => {
    const result = await a.dataKeys.rotate({ actor: { kind: 'system' } });
    await expect.poll(() => b.dataKeys.primaryKeyId, { timeout: 10_000 }).toBe(result.keyId);
    const sealed = a.dataKeys.sealer.seal('shared', 'ad');
    expect(b.dataKeys.sealer.open(sealed, 'ad').toString()).toBe('shared');
    // A user registered on one node logs in on the other (signing keys re-encrypted).
    const user = await registerUser(a, 'cluster-ring@example.com');
    const res = await b.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: user.email, password: user.password },
    });
    expect(res.statusCode).toBe(200);
  });
});
