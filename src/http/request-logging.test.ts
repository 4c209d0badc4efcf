import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import { redactUrl } from './request-logging.js';

describe('request log lines', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart();
  });
  afterAll(async () => r?.close());

  function linesFor(requestId: unknown): Record<string, unknown>[] {
    return r.logs.filter((l) => l.reqId === requestId && l.msg === 'request');
  }

  it('writes exactly one line per request with id, method, route, status and latency', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/health' });
    const lines = linesFor(res.headers['x-request-id']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      method: 'GET',
      route: '/health',
      url: '/health',
      status: 200,
    });
    expect(typeof lines[0]?.ms).toBe('number');
    expect(lines[0]?.level).toBe('info');
  });

  it('logs the route pattern rather than the concrete path', async () => {
    const { token } = await registerUser(r, 'pattern@example.com');
    const res = await r.app.inject({
      method: 'DELETE',
      url: '/v1/invites/some-id',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(403);
    expect(linesFor(res.headers['x-request-id'])[0]).toMatchObject({
      route: '/v1/invites/:id',
      status: 403,
      level: 'warn',
    });
  });

  it('names the authenticated principal on the line', async () => {
    const { token } = await registerUser(r, 'principal@example.com');
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(linesFor(res.headers['x-request-id'])[0]?.principal).toBe(res.json().id);
  });

  it('logs a 5xx at error level', async () => {
    const failing = await startTestRampart();
    try {
      await failing.database.close();
      const res = await failing.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'a@example.com', password: 'correct horse battery staple' },
      });
      const line = failing.logs.find(
        (l) => l.reqId === res.headers['x-request-id'] && l.msg === 'request',
      );
      expect(line).toMatchObject({ status: res.statusCode, level: 'error' });
    } finally {
      await failing.close();
    }
  });
});

describe('redactUrl', () => {
  it('keeps the path and harmless parameters and hides credential-named ones', () => {
    expect(redactUrl('/v1/items?page=2&access_token=abc&api_key=k&q=x')).toBe(
      '/v1/items?page=2&access_token=[redacted]&api_key=[redacted]&q=x',
    );
  });

  it('hides an API key or a JWT under any name, however it was percent-encoded', () => {
    const key = `rmp_prod_${'A1b2C3d4E5'.repeat(4)}abc_Zz9Yy8`;
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl';
    for (const value of [
      key,
      key.replaceAll('_', '%5F'),
      key.replaceAll('_', '%255F'),
      `%72${key.slice(1)}`,
      jwt,
      jwt.replaceAll('.', '%252E'),
    ])
      expect(redactUrl(`/v1/items?page=2&x=${value}`)).toBe('/v1/items?page=2&x=[redacted]');
    expect(redactUrl('/v1/items?x=100%&y=%zz')).toBe('/v1/items?x=100%25&y=%25zz');
  });

  it('leaves a URL without a query unchanged', () => {
    expect(redactUrl('/v1/me')).toBe('/v1/me');
  });

  it('hides a repeated or oddly cased credential parameter', () => {
    expect(redactUrl('/x?TOKEN=a&token=b&Password=c')).toBe(
      '/x?TOKEN=[redacted]&token=[redacted]&Password=[redacted]',
    );
  });
});
