import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, expectProblem } from '../../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

function setCookies(res: LightMyRequestResponse): string[] {
  const raw = res.headers['set-cookie'];
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}

function jar(res: LightMyRequestResponse): string {
  return setCookies(res)
    .map((c) => c.split(';')[0])
    .join('; ');
}

describe('cookie sessions for browsers, with CSRF protection', () => {
  let r: TestRampart;
  let user: { email: string; password: string };
  const origin = 'https://rampart.example.com';
  const sameOrigin = { 'sec-fetch-site': 'same-origin' };

  beforeAll(async () => {
    r = await startTestRampart({ overrides: { publicUrl: origin } });
    user = await createUser(r, 'browser@example.com');
  });
  afterAll(async () => r?.close());

  async function cookieLogin() {
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'x-rampart-session': 'cookie', ...sameOrigin },
      payload: { email: user.email, password: user.password },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res;
  }

  it('moves the tokens into __Host- cookies that scripts cannot read', async () => {
    const res = await cookieLogin();
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({ token_type: 'cookie' });
    expect(body).not.toHaveProperty('access_token');
    expect(body).not.toHaveProperty('refresh_token');
    const cookies = setCookies(res);
    expect(cookies).toHaveLength(2);
    for (const c of cookies) {
      expect(c).toMatch(/^__Host-rampart_(at|rt)=/);
      expect(c).toMatch(/; HttpOnly/i);
      expect(c).toMatch(/; Secure/i);
      expect(c).toMatch(/; SameSite=Strict/i);
      expect(c).toMatch(/; Path=\//i);
      expect(c).not.toMatch(/Domain=/i);
    }
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('authenticates reads with the cookie; unsafe requests need proof of same origin', async () => {
    const cookie = jar(await cookieLogin());
    expect(
      (await r.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } })).statusCode,
    ).toBe(200);
    for (const headers of [
      { cookie },
      { cookie, 'sec-fetch-site': 'cross-site' },
      { cookie, 'sec-fetch-site': 'same-site' },
      { cookie, origin: 'https://evil.example.com' },
      { cookie, origin: 'null' },
    ]) {
      expectProblem(
        await r.app.inject({ method: 'POST', url: '/v1/auth/logout', headers }),
        403,
        'csrf_rejected',
      );
    }
    // Fetch metadata beats a matching Origin: a cross-site fetch cannot claim ours.
    expectProblem(
      await r.app.inject({
        method: 'POST',
        url: '/v1/auth/logout',
        headers: { cookie, origin, 'sec-fetch-site': 'cross-site' },
      }),
      403,
      'csrf_rejected',
    );
    const out = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: { cookie, origin },
    });
    expect(out.statusCode).toBe(204);
    expect(setCookies(out).every((c) => /Max-Age=0/i.test(c))).toBe(true);
    expectProblem(
      await r.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie } }),
      401,
      'invalid_token',
    );
  });

  it('refreshes from the refresh cookie, rotating both cookies, and reuse still kills the session', async () => {
    const first = jar(await cookieLogin());
    const refreshed = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { cookie: first, ...sameOrigin },
    });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    expect(refreshed.json()).not.toHaveProperty('refresh_token');
    const second = jar(refreshed);
    expect(second).toMatch(/__Host-rampart_rt=/);
    expect(second).not.toBe(first);
    expect(
      (await r.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie: second } }))
        .statusCode,
    ).toBe(200);
    // The spent refresh cookie again: reuse detection ends the session and clears cookies.
    const reused = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { cookie: first, ...sameOrigin },
    });
    expectProblem(reused, 401, 'invalid_refresh_token');
    expect(setCookies(reused).every((c) => /Max-Age=0/i.test(c))).toBe(true);
    expectProblem(
      await r.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie: second } }),
      401,
      'invalid_token',
    );
  });

  it('refuses a cross-site refresh with the cookie', async () => {
    const cookie = jar(await cookieLogin());
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      headers: { cookie, 'sec-fetch-site': 'cross-site' },
    });
    expectProblem(res, 403, 'csrf_rejected');
  });

  it('leaves bearer clients untouched', async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: user.email, password: user.password },
    });
    expect(res.json()).toHaveProperty('access_token');
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});
