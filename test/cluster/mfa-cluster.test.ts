import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createUser, expectProblem, login } from '../support/http-helpers.js';
import {
  advanceTime,
  currentTotpCode,
  enableTotp,
  freezeTime,
  mfaStep,
  passwordStep,
} from '../support/mfa-helpers.js';
import { startCluster, type TestRampart } from '../support/test-rampart.js';

const clustered = Boolean(
  process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL,
);

describe.skipIf(!clustered)('MFA across two nodes on one PostgreSQL and Redis', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let a: TestRampart;
  let b: TestRampart;
  beforeAll(async () => {
    freezeTime();
    cluster = await startCluster(2);
    [a, b] = cluster.nodes as [TestRampart, TestRampart];
  });
  afterAll(async () => {
    await cluster?.close();
    vi.useRealTimers();
  });

  it('refuses on one node a code already used on the other', async () => {
    const user = await createUser(a, 'mfa-both@example.com');
    const { secret } = await enableTotp(a, await login(a, user.email, user.password));
    advanceTime(30_000);
    const code = currentTotpCode(secret);
    const first = await mfaStep(a, await passwordStep(a, user.email, user.password), { code });
    expect(first.statusCode, first.body).toBe(200);
    expectProblem(
      await mfaStep(b, await passwordStep(b, user.email, user.password), { code }),
      401,
      'invalid_mfa_code',
    );
  });

  it('completes on one node the password step made on the other, once', async () => {
    const user = await createUser(a, 'mfa-token@example.com');
    const { secret } = await enableTotp(a, await login(a, user.email, user.password));
    const mfaToken = await passwordStep(a, user.email, user.password);
    advanceTime(30_000);
    const res = await mfaStep(b, mfaToken, { code: currentTotpCode(secret) });
    expect(res.statusCode, res.body).toBe(200);
    advanceTime(30_000);
    expectProblem(
      await mfaStep(a, mfaToken, { code: currentTotpCode(secret) }),
      401,
      'mfa_token_invalid',
    );
  });

  it('lets one recovery code through once when used on both nodes at once', async () => {
    const user = await createUser(a, 'mfa-recovery@example.com');
    const { recoveryCodes } = await enableTotp(a, await login(a, user.email, user.password));
    const [ta, tb] = [
      await passwordStep(a, user.email, user.password),
      await passwordStep(b, user.email, user.password),
    ];
    const code = recoveryCodes[0] ?? '';
    const results = await Promise.all([
      mfaStep(a, ta, { recovery_code: code }),
      mfaStep(b, tb, { recovery_code: code }),
    ]);
    expect(results.map((x) => x.statusCode).sort()).toEqual([200, 401]);
  });
});
