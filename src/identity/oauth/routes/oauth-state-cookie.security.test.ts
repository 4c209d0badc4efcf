/**
 * The state cookie is what ties a provider's answer to the browser that asked for it
 * (login CSRF, RFC 9700 §4.7.1). Leaked, readable by scripts, sent cross-site on a POST,
 * or scoped to a parent domain, it would let another site or a sibling host plant or read
 * it. Over https it is a `__Host-` cookie: Secure, HttpOnly, SameSite=Lax, Path=/, no
 * Domain, short-lived, and it holds a hash of the state, never the state itself.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRampart, type TestRampart } from '../../../../test/support/test-rampart.js';

describe('the social-login state cookie over https', () => {
  let r: TestRampart;

  beforeAll(async () => {
    r = await startTestRampart({
      overrides: {
        publicUrl: 'https://auth.example.com',
        oauth: {
          stateTtl: 300,
          // GitHub Enterprise needs no discovery: the start works without any network.
          providers: [
            {
              type: 'github',
              baseUrl: 'https://ghe.example.com',
              clientId: 'c',
              clientSecret: 's',
            },
          ],
        },
      },
    });
  });
  afterAll(async () => r?.close());

  it('is a __Host- cookie holding the hash of the state', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/v1/auth/oauth/github/start' });
    expect(res.statusCode, res.body).toBe(302);
    const location = new URL(String(res.headers.location));
    expect(location.origin).toBe('https://ghe.example.com');
    expect(location.searchParams.get('redirect_uri')).toBe(
      'https://auth.example.com/v1/auth/oauth/github/callback',
    );
    const state = location.searchParams.get('state') as string;
    const header = String(res.headers['set-cookie']);
    expect(header).toMatch(/^__Host-rampart_oauth=/);
    expect(header).toMatch(/; Max-Age=300/);
    expect(header).toMatch(/; Path=\//);
    expect(header).toMatch(/; HttpOnly/);
    expect(header).toMatch(/; Secure/);
    expect(header).toMatch(/; SameSite=Lax/);
    expect(header).not.toMatch(/Domain=/i);
    expect(header).not.toContain(state);
    const cookie = res.cookies.find((c) => c.name === '__Host-rampart_oauth');
    expect(cookie?.value).toBe(createHash('sha256').update(state).digest('base64url'));
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('is cleared by the callback, whatever its outcome', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/auth/oauth/github/callback?state=x&code=y',
    });
    expect(res.statusCode).toBe(400);
    expect(String(res.headers['set-cookie'])).toMatch(/^__Host-rampart_oauth=; Max-Age=0/);
  });
});
