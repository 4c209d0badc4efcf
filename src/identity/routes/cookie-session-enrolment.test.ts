import { Secret } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestRampart,
  strongPassword,
  type TestRampart,
} from '../../../test/support/test-rampart.js';
import { generateTotpCode } from '../core/totp-codes.js';

describe('MFA enrolment at login in a cookie session', () => {
  let r: TestRampart;
  const email = 'enrol@example.com';
  const password = strongPassword();
  beforeAll(async () => {
    r = await startTestRampart({ overrides: { mfa: { requiredRoles: ['ADMIN'] } } });
    await r.accounts.createAccount({ email, password, roles: ['ADMIN'] }, { kind: 'system' });
  });
  afterAll(async () => r?.close());

  it('hands the recovery codes to the browser with the cookies, and no token in the body', async () => {
    const headers = { 'x-rampart-session': 'cookie', 'sec-fetch-site': 'same-origin' };
    const login = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers,
      payload: { email, password },
    });
    expect(login.statusCode).toBe(401);
    expect(login.json().code).toBe('mfa_enrollment_required');
    const mfaToken = login.json().mfa_token as string;
    const enrol = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login/mfa/enroll',
      headers,
      payload: { mfa_token: mfaToken },
    });
    expect(enrol.statusCode, enrol.body).toBe(200);
    const secret = Secret.fromBase32(enrol.json().secret).bytes;
    const activate = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login/mfa/activate',
      headers,
      payload: { mfa_token: mfaToken, code: generateTotpCode(secret, Date.now()) },
    });
    expect(activate.statusCode, activate.body).toBe(200);
    const body = activate.json();
    expect(body.token_type).toBe('cookie');
    expect(body.recoveryCodes).toHaveLength(10);
    expect(body).not.toHaveProperty('access_token');
    expect(body).not.toHaveProperty('refresh_token');
    expect(String(activate.headers['set-cookie'])).toContain('__Host-rampart_at=');
  });
});
