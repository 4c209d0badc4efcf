import { decodeJwt } from 'jose';
import { Secret } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAtStep, totpStep } from '../../src/identity/core/totp-codes.js';
import {
  bearer,
  expectProblem,
  registerUser,
  type TokenPairJson,
} from '../support/http-helpers.js';
import type { TotpEnrolmentJson } from '../support/mfa-helpers.js';
import { startTestRampart, type TestRampart } from '../support/test-rampart.js';

const backends = [
  { database: 'sqlite', hot: 'memory', skip: false },
  {
    database: 'postgres',
    hot: 'redis',
    skip: !process.env.RAMPART_TEST_DATABASE_URL || !process.env.RAMPART_TEST_REDIS_URL,
  },
] as const;

/**
 * A code one step ahead of the real clock: always inside the ±1 window and after any
 * step used so far, even when a step boundary passes while the request is in flight.
 */
function aheadCode(secret: Uint8Array): string {
  return totpCodeAtStep(secret, totpStep(Date.now()) + 1);
}

for (const backend of backends) {
  describe.skipIf(backend.skip)(`MFA flow on ${backend.database} + ${backend.hot}`, () => {
    let r: TestRampart;
    beforeAll(async () => {
      r = await startTestRampart({ database: backend.database, hot: backend.hot });
    });
    afterAll(async () => r?.close());

    it('enrols TOTP, then signs in with password and code, then with a recovery code', async () => {
      const user = await registerUser(r, 'mfa-flow@example.com');
      const setup = await r.app.inject({
        method: 'POST',
        url: '/v1/mfa/totp/setup',
        headers: bearer(user.token),
      });
      expect(setup.statusCode, setup.body).toBe(200);
      const secret = Secret.fromBase32(setup.json<TotpEnrolmentJson>().secret).bytes;
      const activated = await r.app.inject({
        method: 'POST',
        url: '/v1/mfa/totp/activate',
        headers: bearer(user.token),
        payload: { code: totpCodeAtStep(secret, totpStep(Date.now())) },
      });
      expect(activated.statusCode, activated.body).toBe(200);
      const { recoveryCodes } = activated.json<{ recoveryCodes: string[] }>();

      const password = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: user.email, password: user.password },
      });
      const challenge = expectProblem(password, 401, 'mfa_required');
      const done = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login/mfa',
        payload: { mfa_token: challenge.mfa_token, code: aheadCode(secret) },
      });
      expect(done.statusCode, done.body).toBe(200);
      const tokens = done.json<TokenPairJson>();
      expect(decodeJwt(tokens.access_token).amr).toEqual(['pwd', 'otp', 'mfa']);

      const second = expectProblem(
        await r.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: { email: user.email, password: user.password },
        }),
        401,
        'mfa_required',
      );
      const recovered = await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login/mfa',
        payload: { mfa_token: second.mfa_token, recovery_code: recoveryCodes[0] },
      });
      expect(recovered.statusCode, recovered.body).toBe(200);

      const status = await r.app.inject({
        method: 'GET',
        url: '/v1/mfa',
        headers: bearer(tokens.access_token),
      });
      expect(status.json()).toMatchObject({
        totp: { enabled: true },
        recoveryCodesRemaining: 9,
      });
    });
  });
}
