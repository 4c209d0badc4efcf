import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import { jsonDeeperThan } from './json-body-parser.js';

function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Object.values(value);
  return 1 + (children.length === 0 ? 0 : Math.max(...children.map(depthOf)));
}

/** Sends raw bytes to a listening server and resolves with the whole answer. */
function rawRequest(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', (error) => {
      // The server may reset after answering; what arrived is the answer.
      if (chunks.length > 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(error);
    });
    socket.write(bytes);
  });
}

describe('JSON depth scan', () => {
  it('agrees with the depth of the parsed value, whatever the strings contain (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (value, max) => {
        const text = JSON.stringify(value);
        expect(jsonDeeperThan(text, max)).toBe(depthOf(value) > max);
      }),
      { numRuns: 500 },
    );
  });
});

describe('request hygiene', () => {
  let r: TestRampart;
  let url: string;
  let token: string;
  beforeAll(async () => {
    r = await startTestRampart({ overrides: { http: { maxHeaderSize: 8192 } } });
    url = await r.listen();
    const u = await createUser(r, 'hygiene@example.com', ['DEVELOPER']);
    token = await login(r, u.email, u.password);
  });
  afterAll(async () => r?.close());

  it('refuses a body nested deeper than the limit before it reaches any handler', async () => {
    // The object holding `extra` is one level: 32 arrays inside it make 33, one past the
    // default http.maxJsonDepth of 32.
    const deep = `${'['.repeat(32)}1${']'.repeat(32)}`;
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: `{"email":"a@example.com","password":"x","extra":${deep}}`,
    });
    expectProblem(res, 400, 'json_too_deep');
    // The shortest body one level too deep: 33 empty arrays, nothing else.
    const bare = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: `${'['.repeat(33)}${']'.repeat(33)}`,
    });
    expectProblem(bare, 400, 'json_too_deep');
    // Brackets inside a string are only text.
    const inString = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'hygiene@example.com', password: '['.repeat(500) },
    });
    expectProblem(inString, 401, 'invalid_credentials');
    // At the limit (the object and 31 arrays: 32) the body is parsed and judged by its
    // schema as usual.
    const atLimit = `${'['.repeat(31)}1${']'.repeat(31)}`;
    const ok = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: `{"email":"a@example.com","password":"x","extra":${atLimit}}`,
    });
    expectProblem(ok, 400, 'validation_failed');
  });

  it('refuses a repeated query parameter (parameter pollution), on every route', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/api-keys?includeRevoked=false&includeRevoked=true',
      headers: bearer(token),
    });
    expectProblem(res, 400, 'duplicate_query_parameter');
    expectProblem(
      await r.app.inject({ method: 'GET', url: '/health?a=1&a=2' }),
      400,
      'duplicate_query_parameter',
    );
    expect((await r.app.inject({ method: 'GET', url: '/health?a=1&b=2' })).statusCode).toBe(200);
  });

  it('refuses a NUL character in the path, the query or any JSON string, before any store sees it', async () => {
    for (const url of [
      '/v1/api-keys/%00',
      '/v1/api-keys/abc%00def',
      '/v1/admin/accounts?query=a%00',
    ]) {
      expectProblem(
        await r.app.inject({ method: 'GET', url, headers: bearer(token) }),
        400,
        'nul_character',
      );
    }
    for (const payload of [
      '{"name":"svc\\u0000","description":"x"}',
      '{"name":"svc","description":"x","tags":{"a\\u0000":1}}',
      '{"name":"svc","nested":[["\\u0000"]]}',
    ]) {
      expectProblem(
        await r.app.inject({
          method: 'POST',
          url: '/v1/service-accounts',
          headers: { ...bearer(token), 'content-type': 'application/json' },
          payload,
        }),
        400,
        'nul_character',
      );
    }
    // An escaped backslash followed by "u0000" is six characters of text, not a NUL.
    const text = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":"hygiene@example.com","password":"\\\\u0000"}',
    });
    expectProblem(text, 401, 'invalid_credentials');
    // `%2500` is the text "%00".
    const literal = await r.app.inject({
      method: 'GET',
      url: '/v1/api-keys/%2500',
      headers: bearer(token),
    });
    expect(literal.statusCode).toBe(404);
  });

  it('answers a URL the router cannot decode, or an overlong path segment, with a problem and the usual headers', async () => {
    for (const [url, status, code] of [
      ['/v1/api-keys/%ff', 400, 'invalid_url'],
      ['/v1/api-keys/%', 400, 'invalid_url'],
      ['/v1/admin/accounts/%ED%A0%80/sessions', 400, 'invalid_url'],
      [`/v1/api-keys/${'a'.repeat(300)}`, 414, 'path_segment_too_long'],
    ] as const) {
      const res = await r.app.inject({ method: 'GET', url, headers: bearer(token) });
      expectProblem(res, status, code);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      // The probe is on the log like any other request, with the URL as sent.
      const line = r.logs.find(
        (l) => l.msg === 'request' && l.reqId === res.headers['x-request-id'],
      );
      expect(line).toMatchObject({ status, url });
    }
    // At the limit the segment reaches the route, which does not know the id.
    const atLimit = await r.app.inject({
      method: 'GET',
      url: `/v1/api-keys/${'a'.repeat(256)}`,
      headers: bearer(token),
    });
    expect(atLimit.statusCode).toBeLessThan(500);
    expect(atLimit.statusCode).not.toBe(414);
  });

  it('answers an oversized head with a 431 problem, and bad framing with a 400 problem', async () => {
    const big = await rawRequest(
      url,
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(9000)}\r\n\r\n`,
    );
    expect(big).toMatch(/^HTTP\/1\.1 431 /);
    expect(big).toMatch(/content-type: application\/problem\+json/i);
    const body = JSON.parse(big.slice(big.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 431, code: 'headers_too_large' });
    expect(String(body.type)).toMatch(/\/problems\/headers_too_large$/);

    const garbage = await rawRequest(url, 'NOT A REQUEST\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(garbage).toContain('"code":"bad_request"');

    // A head within the limit is served.
    const fine = await rawRequest(
      url,
      `GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Filler: ${'a'.repeat(4000)}\r\n\r\n`,
    );
    expect(fine).toMatch(/^HTTP\/1\.1 200 /);
  });
});
