import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';

const app = 'https://app.example.com';

describe('CORS with an allowlisted origin', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({ overrides: { cors: { origins: [app] } } });
  });
  afterAll(async () => r?.close());

  it('answers an allowed origin with that exact origin and credentials', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/health', headers: { origin: app } });
    expect(res.headers['access-control-allow-origin']).toBe(app);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(String(res.headers.vary)).toMatch(/origin/i);
    expect(String(res.headers['access-control-expose-headers'])).toMatch(/X-Request-Id/i);
  });

  it('adds the CORS headers to problem responses too, so the browser can read the code', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/v1/me', headers: { origin: app } });
    expectProblem(res, 401, 'authentication_required');
    expect(res.headers['access-control-allow-origin']).toBe(app);
    expect(String(res.headers['access-control-expose-headers'])).toMatch(/WWW-Authenticate/i);
  });

  it('answers a preflight from an allowed origin with 204 and the allowed methods and headers', async () => {
    const res = await r.app.inject({
      method: 'OPTIONS',
      url: '/v1/auth/login',
      headers: {
        origin: app,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(app);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(String(res.headers['access-control-allow-methods'])).toContain('POST');
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase();
    expect(allowed).toContain('content-type');
    expect(allowed).toContain('authorization');
    expect(Number(res.headers['access-control-max-age'])).toBeGreaterThan(0);
    expect(res.body).toBe('');
  });

  it('answers an OPTIONS that is not a preflight with a bad_request problem, not plain text', async () => {
    const bare = await r.app.inject({ method: 'OPTIONS', url: '/v1/auth/login' });
    expectProblem(bare, 400, 'bad_request');
    const noMethod = await r.app.inject({
      method: 'OPTIONS',
      url: '/v1/auth/login',
      headers: { origin: app },
    });
    expectProblem(noMethod, 400, 'bad_request');
  });
});

describe('CORS with no origins configured', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart();
  });
  afterAll(async () => r?.close());

  it('sends no CORS headers to any origin', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/health', headers: { origin: app } });
    expect(res.statusCode).toBe(200);
    for (const name of Object.keys(res.headers))
      expect(name.startsWith('access-control-'), name).toBe(false);
  });

  it('answers a preflight with 405 and no CORS headers, so the browser blocks the call', async () => {
    const res = await r.app.inject({
      method: 'OPTIONS',
      url: '/v1/auth/login',
      headers: { origin: app, 'access-control-request-method': 'POST' },
    });
    expectProblem(res, 405, 'method_not_allowed');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });
});
