/*
 * Erasure with a stolen access token. An attacker holding someone's access token (not
 * their password) tries to erase the account: without a recent login the token alone is
 * not enough, and guessing the password through DELETE /v1/me counts toward the same
 * lockout as sign-in, so the token buys no unlimited guesses. Once locked, even the
 * right password is refused and the account survives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, expectProblem, registerUser } from '../../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

describe('DELETE /v1/me with a stolen token', () => {
  let r: TestRampart | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  it('locks the account after repeated wrong passwords, and the account survives', async () => {
    r = await startTestRampart({
      overrides: { dataProtection: { reauthMaxAge: 0 }, lockout: { maxFailures: 3 } },
    });
    const user = await registerUser(r, 'victim@example.com');
    const erase = (password: string) =>
      r?.app.inject({
        method: 'DELETE',
        url: '/v1/me',
        headers: bearer(user.token),
        payload: { password },
      });
    for (let i = 0; i < 4; i++) {
      const res = await erase(`guess number ${i} for you`);
      expectProblem(res as never, 401, 'invalid_credentials');
    }
    expectProblem((await erase(user.password)) as never, 401, 'invalid_credentials');
    const me = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(user.token) });
    expect(me.json()).toMatchObject({ email: 'victim@example.com', status: 'active' });
    expect(r.logText()).toContain('auth.account.locked');
  });
});
