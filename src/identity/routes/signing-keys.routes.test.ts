import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createAdmin,
  expectProblem,
  login,
  registerUser,
  type TestUser,
} from '../../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

describe('signing key rotation over the API', () => {
  let r: TestRampart;
  let admin: TestUser;
  beforeAll(async () => {
    // Rotation needs a recent MFA login by default; src/authz/step-up tests cover that.
    r = await startTestRampart({ overrides: { authz: { stepUp: { routes: [] } } } });
    admin = await createAdmin(r);
  });
  afterAll(async () => r?.close());

  async function jwksKids(): Promise<string[]> {
    const res = await r.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    return res.json<{ keys: { kid: string }[] }>().keys.map((k) => k.kid);
  }

  function rotate(token: string) {
    return r.app.inject({
      method: 'POST',
      url: '/v1/admin/signing-keys/rotate',
      headers: bearer(token),
    });
  }

  it('publishes a new kid, keeps old tokens valid and signs new tokens with the new key', async () => {
    const user = await registerUser(r, 'holder@example.com');
    const oldKid = decodeProtectedHeader(user.token).kid;
    expect(await jwksKids()).toEqual([oldKid]);

    const res = await rotate(admin.token);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{
      kid: string;
      algorithm: string;
      retired_kids: string[];
      retired_verify_until: string;
    }>();
    expect(body.kid).not.toBe(oldKid);
    expect(body.algorithm).toBe('EdDSA');
    expect(body.retired_kids).toEqual([oldKid]);
    expect(Date.parse(body.retired_verify_until)).toBeGreaterThan(Date.now());

    const kids = await jwksKids();
    expect(kids).toHaveLength(2);
    expect(kids).toEqual(expect.arrayContaining([oldKid, body.kid]));

    const old = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(user.token) });
    expect(old.statusCode).toBe(200);

    const fresh = await login(r, user.email, user.password);
    expect(decodeProtectedHeader(fresh).kid).toBe(body.kid);
    const me = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(fresh) });
    expect(me.statusCode).toBe(200);
  });

  it('never publishes private key material in the JWKS', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    for (const key of res.json<{ keys: Record<string, unknown>[] }>().keys) {
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])
        expect(key, secret).not.toHaveProperty(secret);
    }
  });

  it('refuses rotation to a non-admin with 403 permission_denied and keeps the key', async () => {
    const user = await registerUser(r, 'not-admin@example.com');
    const before = await jwksKids();
    expectProblem(await rotate(user.token), 403, 'permission_denied');
    expect(await jwksKids()).toEqual(before);
  });

  it('refuses rotation without a token with 401 authentication_required', async () => {
    const res = await r.app.inject({ method: 'POST', url: '/v1/admin/signing-keys/rotate' });
    expectProblem(res, 401, 'authentication_required');
  });
});
