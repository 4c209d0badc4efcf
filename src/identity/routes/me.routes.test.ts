import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  expectProblem,
  registerUser,
  type TestUser,
} from '../../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('GET /v1/me', () => {
  let r: TestRampart;
  let user: TestUser;
  beforeAll(async () => {
    r = await startTestRampart();
    user = await registerUser(r, 'me@example.com');
  });
  afterAll(async () => r?.close());

  it('answers the authenticated account', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(user.token) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ email: 'me@example.com', status: 'active', roles: [] });
  });

  it('accepts the scheme name in any case (RFC 7235 §2.1)', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `bearer ${user.token}` },
    });
    expect(res.statusCode).toBe(200);
  });

  it('answers no token with 401 authentication_required and a Bearer challenge', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/v1/me' });
    expectProblem(res, 401, 'authentication_required');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="rampart"/);
  });

  it('answers a garbage token with 401 invalid_token and an invalid_token challenge', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: bearer('not.a.jwt'),
    });
    expectProblem(res, 401, 'invalid_token');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
  });

  it('answers another scheme with 401 invalid_token', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Basic ${Buffer.from('me@example.com:pw').toString('base64')}` },
    });
    expectProblem(res, 401, 'invalid_token');
  });

  it('refuses an unsigned (alg none) copy of a real token', async () => {
    const [, payload] = user.token.split('.');
    const unsigned = `${base64url({ alg: 'none', typ: 'at+jwt' })}.${payload}.`;
    expectProblem(
      await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(unsigned) }),
      401,
      'invalid_token',
    );
  });

  it('refuses a token whose claims were edited after signing', async () => {
    const [header, payload, signature] = user.token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    const edited = `${header}.${base64url({ ...claims, roles: ['ADMIN'] })}.${signature}`;
    expectProblem(
      await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(edited) }),
      401,
      'invalid_token',
    );
  });

  it('refuses a token signed by another Rampart with the same issuer', async () => {
    const other = await startTestRampart();
    try {
      const stranger = await registerUser(other, 'me@example.com');
      expectProblem(
        await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(stranger.token) }),
        401,
        'invalid_token',
      );
    } finally {
      await other.close();
    }
  });
});
