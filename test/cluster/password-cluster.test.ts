import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, loginSession } from '../support/http-helpers.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js';
import { startCluster, strongPassword, type TestRampart } from '../support/test-rampart.js';

const clustered = Boolean(
  process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL,
);

describe.skipIf(!clustered)('password change and reset across two nodes', () => {
  let sink: SmtpSink;
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let a: TestRampart;
  let b: TestRampart;
  beforeAll(async () => {
    sink = await startSmtpSink();
    cluster = await startCluster(2, {
      mail: { transport: 'smtp', smtpUrl: sink.url },
      passwordReset: { url: 'https://app.example.com/reset#token={token}', maxRequestsPerEmail: 2 },
    });
    [a, b] = cluster.nodes as [TestRampart, TestRampart];
  });
  afterAll(async () => {
    await cluster?.close();
    await sink?.close();
  });

  const me = (node: TestRampart, token: string) =>
    node.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });

  it('ends the other sessions on every node when the password changes on one', async () => {
    const user = await createUser(a, 'change-both@example.com');
    const here = await loginSession(a, user.email, user.password);
    const there = await loginSession(b, user.email, user.password);
    const res = await a.app.inject({
      method: 'POST',
      url: '/v1/auth/password/change',
      headers: bearer(here.access_token),
      payload: { current_password: user.password, new_password: strongPassword() },
    });
    expect(res.statusCode, res.body).toBe(200);
    expectProblem(await me(b, there.access_token), 401, 'invalid_token');
    expect((await me(b, here.access_token)).statusCode).toBe(200);
  });

  it('resets with a link requested on the other node, and shares the request budget', async () => {
    const user = await createUser(a, 'reset-both@example.com');
    const session = await loginSession(b, user.email, user.password);
    const ask = (node: TestRampart) =>
      node.app.inject({
        method: 'POST',
        url: '/v1/auth/password/reset-request',
        payload: { email: user.email },
      });
    expect((await ask(a)).statusCode).toBe(202);
    const mail = await sink.nextFor(user.email);
    const token = decodeURIComponent(/#token=(\S+)/.exec(mail.text)?.[1] ?? '');
    const newPassword = strongPassword();
    const done = await b.app.inject({
      method: 'POST',
      url: '/v1/auth/password/reset',
      payload: { token, new_password: newPassword },
    });
    expect(done.statusCode, done.body).toBe(200);
    expectProblem(await me(a, session.access_token), 401, 'invalid_token');
    await loginSession(a, user.email, newPassword);

    // The budget of two requests per email is counted in Redis, not per node.
    expect((await ask(b)).statusCode).toBe(202);
    expectProblem(await ask(a), 429, 'password_reset_rate_limited');
  });
});
