import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, login, registerUser } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';

function expectBaseline(res: LightMyRequestResponse): void {
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(res.headers['cross-origin-resource-policy']).toBeDefined();
  expect(res.headers['content-security-policy']).toBeDefined();
  expect(res.headers['x-powered-by']).toBeUndefined();
  expect(res.headers.server).toBeUndefined();
}

function expectApiPolicy(res: LightMyRequestResponse): void {
  expectBaseline(res);
  expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
  const csp = String(res.headers['content-security-policy']);
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
}

describe('security headers over plain http', () => {
  let r: TestRampart;
  let token: string;
  beforeAll(async () => {
    r = await startTestRampart();
    ({ token } = await registerUser(r, 'headers@example.com'));
  });
  afterAll(async () => r?.close());

  it('sets them on a 200 JSON response', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: bearer(token),
    });
    expect(res.statusCode).toBe(200);
    expectApiPolicy(res);
  });

  it('sets them on a 201 created response', async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email: 'second@example.com', password: 'correct horse battery staple 7' },
    });
    expect(res.statusCode).toBe(201);
    expectApiPolicy(res);
  });

  it('sets them on a problem response', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/v1/me' });
    expect(res.statusCode).toBe(401);
    expectApiPolicy(res);
  });

  it('sets them on a 404 and a 405', async () => {
    expectApiPolicy(await r.app.inject({ method: 'GET', url: '/nope' }));
    expectApiPolicy(await r.app.inject({ method: 'DELETE', url: '/health' }));
  });

  it('sets them on a validation failure and a parse failure', async () => {
    expectApiPolicy(
      await r.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 1 } }),
    );
    expectApiPolicy(
      await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: '{',
      }),
    );
  });

  it('sets them on /health and /health/ready', async () => {
    expectApiPolicy(await r.app.inject({ method: 'GET', url: '/health' }));
    expectApiPolicy(await r.app.inject({ method: 'GET', url: '/health/ready' }));
  });

  it('lets the public discovery documents be read cross-origin, and nothing else', async () => {
    const jwks = await r.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expectBaseline(jwks);
    expect(jwks.headers['cross-origin-resource-policy']).toBe('cross-origin');
  });

  it('gives the HTML docs a policy with default-src self', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expectBaseline(res);
    expect(String(res.headers['content-security-policy'])).toContain("default-src 'self'");
  });

  it('forbids framing the HTML docs even from the same origin', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/docs/' });
    const policy = String(res.headers['content-security-policy']);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain("frame-ancestors 'self'");
  });

  it('sends no HSTS when the public URL is http', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/health' });
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('caching of responses to an authenticated caller', () => {
  let r: TestRampart;
  let token: string;
  let apiKey: string;
  beforeAll(async () => {
    r = await startTestRampart({
      register: async (app) => {
        const auth = app.rampartAuth;
        app.get('/api/orders', { preHandler: auth.requireCaller }, async () => ({ items: [] }));
        app.get('/api/catalogue', { preHandler: auth.requireCaller }, async (_request, reply) =>
          reply.header('cache-control', 'private, max-age=60').send({ items: [] }),
        );
        app.get('/api/public', async () => ({ items: [] }));
      },
    });
    const user = await createUser(r, 'cache@example.com', ['DEVELOPER']);
    token = await login(r, user.email, user.password);
    const created = await r.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(token),
      payload: { name: 'cache', scopes: ['accounts:read'] },
    });
    expect(created.statusCode).toBe(201);
    apiKey = created.json<{ key: string }>().key;
  });
  afterAll(async () => r?.close());

  it('marks every answer to a token or an API key no-store', async () => {
    for (const url of ['/v1/me', '/v1/sessions', '/v1/api-keys', '/api/orders']) {
      const res = await r.app.inject({ method: 'GET', url, headers: bearer(token) });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['cache-control'], url).toBe('no-store');
    }
    const withKey = await r.app.inject({
      method: 'GET',
      url: '/api/orders',
      headers: { 'x-api-key': apiKey },
    });
    expect(withKey.statusCode).toBe(200);
    expect(withKey.headers['cache-control']).toBe('no-store');
  });

  it('marks a refusal of an authenticated caller no-store too', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/accounts',
      headers: bearer(token),
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('leaves a route that decides its own caching, and anonymous answers, as they are', async () => {
    const own = await r.app.inject({
      method: 'GET',
      url: '/api/catalogue',
      headers: bearer(token),
    });
    expect(own.statusCode).toBe(200);
    expect(own.headers['cache-control']).toBe('private, max-age=60');
    const open = await r.app.inject({ method: 'GET', url: '/api/public' });
    expect(open.statusCode).toBe(200);
    expect(open.headers['cache-control']).toBeUndefined();
    const jwks = await r.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(jwks.headers['cache-control']).toBe('public, max-age=300');
  });
});

describe('security headers behind https', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({ overrides: { publicUrl: 'https://rampart.example.com' } });
  });
  afterAll(async () => r?.close());

  it('sends HSTS on success and error responses', async () => {
    for (const url of ['/health', '/nope', '/v1/me']) {
      const res = await r.app.inject({ method: 'GET', url });
      expect(res.headers['strict-transport-security'], url).toMatch(/^max-age=\d{8,}/);
    }
  });
});

describe('createSecurityHeaders', () => {
  it('gives an HTML response the page policy also when HSTS is on', async () => {
    const { createSecurityHeaders } = await import('./security-headers.js');
    const set = new Map<string, string>();
    const reply = {
      request: {},
      header: (k: string, v: string) => set.set(k, v),
      getHeader: (k: string) => set.get(k),
      hasHeader: (k: string) => set.has(k),
    };
    const headers = createSecurityHeaders({ https: true });
    headers.apply({ id: 'r1' } as never, reply as never);
    expect(set.get('strict-transport-security')).toContain('max-age=');
    set.set('content-type', 'text/html; charset=utf-8');
    headers.adjust(reply as never);
    expect(set.get('content-security-policy')).toContain("default-src 'self'");
  });
});
