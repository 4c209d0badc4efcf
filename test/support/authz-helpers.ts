import type { TestRampart } from './test-rampart.js';

/**
 * An access token as a login with a second factor just now would issue it (`amr` with
 * `mfa`, `auth_time` now), without driving the TOTP flow: for tests of step-up guards.
 */
export async function mfaToken(r: TestRampart, email: string): Promise<string> {
  const account = await r.stores.accounts.findAccountByEmail(email);
  if (!account) throw new Error(`no account ${email}`);
  const pair = await r.identity.sessions.start(account, ['pwd', 'otp', 'mfa'], {});
  return pair.accessToken.token;
}
