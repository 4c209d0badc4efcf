import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, expectProblem } from '../support/http-helpers.js';
import { deliverCallback, fragmentOf, startSignIn } from '../support/oauth-flow.js';
import { type OidcTestProvider, startOidcProvider } from '../support/oidc-provider.js';
import { startCluster, type TestRampart } from '../support/test-rampart.js';

const clustered = Boolean(
  process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL,
);
const publicUrl = 'http://127.0.0.1:9';

describe.skipIf(!clustered)('social login across two nodes on one PostgreSQL and Redis', () => {
  let idp: OidcTestProvider;
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let a: TestRampart;
  let b: TestRampart;

  beforeAll(async () => {
    idp = await startOidcProvider({
      redirectUris: [`${publicUrl}/v1/auth/oauth/corp/callback`],
      users: [{ login: 'kim', email: 'kim@example.com', emailVerified: true }],
    });
    cluster = await startCluster(2, {
      publicUrl,
      oauth: {
        providers: [
          {
            id: 'corp',
            type: 'oidc',
            issuer: idp.issuer,
            clientId: idp.clientId,
            clientSecret: idp.clientSecret,
          },
        ],
      },
    });
    [a, b] = cluster.nodes as [TestRampart, TestRampart];
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
    await idp?.close();
  });

  it('completes on one node a sign-in started on the other, and the code works once anywhere', async () => {
    const started = await startSignIn(a, 'corp');
    const back = await idp.authorize(started.authorizationUrl.href, { login: 'kim' });
    const code = fragmentOf(await deliverCallback(b, back, started.stateCookie)).get('code');
    expectProblem(await deliverCallback(a, back, started.stateCookie), 400, 'oauth_code_reused');
    const exchange = await a.app.inject({
      method: 'POST',
      url: '/v1/auth/oauth/exchange',
      payload: { code },
    });
    expect(exchange.statusCode, exchange.body).toBe(200);
    const again = await b.app.inject({
      method: 'POST',
      url: '/v1/auth/oauth/exchange',
      payload: { code },
    });
    expectProblem(again, 400, 'oauth_code_invalid');
    const me = await b.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: bearer(exchange.json<{ access_token: string }>().access_token),
    });
    expect(me.json<{ identities: unknown[] }>().identities).toHaveLength(1);
  });
});
