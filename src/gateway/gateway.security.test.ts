// Attacks on the gateway's trust boundary: a client that sends its own X-Rampart-*
// identity headers (to pose as another user or an admin to the upstream), hop-by-hop
// headers meant to smuggle fields past the proxy (Connection: x-rampart-principal),
// spoofed X-Forwarded-For, and malformed input that must end in a 4xx, never a 500.
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import { startTestUpstream, type TestUpstream } from '../../test/support/test-upstream.js';
import { verifyGatewayIdentity } from './verify-identity.js';

function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ statusCode: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

/** Sends one request line as written (no client-side path resolution) and returns the answer. */
function rawRequestLine(url: string, line: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.write(`${line}\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
  });
}

const secret = 'gateway-identity-secret-for-security-tests-0001';

describe('gateway trust boundary', () => {
  let upstream: TestUpstream;
  let r: TestRampart;
  let token: string;
  let base: string;

  beforeAll(async () => {
    upstream = await startTestUpstream();
    r = await startTestRampart({
      overrides: {
        gateway: {
          upstream: upstream.url,
          identitySecret: secret,
          maxBodyBytes: 4096,
          routes: [
            { method: '*', path: '/api/*', auth: 'none', signature: false, idempotency: false },
            { method: '*', path: '/me/*', auth: 'jwt', signature: false, idempotency: false },
          ],
        },
      },
    });
    base = await r.listen();
    const u = await createUser(r, 'user@example.com', ['VIEWER']);
    token = await login(r, u.email, u.password);
  });
  afterAll(async () => {
    await r?.close();
    await upstream?.close();
  });
  beforeEach(() => {
    upstream.hits.length = 0;
  });

  it('drops spoofed x-rampart-* headers and signs only what the gateway verified', async () => {
    const res = await r.app.inject({
      method: 'GET',
      url: '/me/profile',
      headers: {
        ...bearer(token),
        'x-rampart-principal': 'user:someone-else',
        'x-rampart-roles': 'ADMIN',
        'x-rampart-key-id': 'forged',
        'x-rampart-identity-signature': 't=1,v1=forged',
        'x-rampart-anything': 'forged',
      },
    });
    expect(res.statusCode).toBe(200);
    const hit = upstream.hits.at(-1);
    expect(hit).toBeDefined();
    if (!hit) return;
    expect(hit.headers['x-rampart-roles']).toBe('VIEWER');
    expect(hit.headers['x-rampart-principal']).not.toBe('user:someone-else');
    expect(hit.headers['x-rampart-key-id']).toBeUndefined();
    expect(hit.headers['x-rampart-anything']).toBeUndefined();
    const verified = verifyGatewayIdentity(hit, { secret });
    expect(verified.ok && verified.identity.roles).toEqual(['VIEWER']);
  });

  it('an anonymous route cannot be given an identity by the client', async () => {
    await r.app.inject({
      method: 'GET',
      url: '/api/x',
      headers: { 'x-rampart-principal': 'user:admin', 'x-rampart-roles': 'ADMIN' },
    });
    const hit = upstream.hits.at(-1);
    expect(hit?.headers['x-rampart-principal']).toBe('anonymous');
    expect(hit?.headers['x-rampart-roles']).toBe('');
  });

  it('strips hop-by-hop headers and the fields Connection names, both ways', async () => {
    // node:http sends the headers as given (undici refuses a Connection header with a list).
    const res = await rawGet(`${base}/api/hop`, {
      connection: 'keep-alive, x-hop-secret, x-rampart-principal',
      'x-hop-secret': 'do-not-forward',
      'proxy-authorization': 'Basic abc',
      te: 'trailers',
      'x-end-to-end': 'keep me',
    });
    expect(res.statusCode, res.body).toBe(200);
    const hit = upstream.hits.at(-1);
    expect(hit?.headers['x-hop-secret']).toBeUndefined();
    expect(hit?.headers['proxy-authorization']).toBeUndefined();
    expect(hit?.headers.te).toBeUndefined();
    expect(hit?.headers['x-end-to-end']).toBe('keep me');
    expect(hit?.headers['x-rampart-principal']).toBe('anonymous');
    // The upstream's own hop-by-hop fields stay on its side.
    expect(res.headers['x-upstream-hop']).toBeUndefined();
    expect(res.headers['keep-alive']).not.toBe('timeout=5');
    expect(res.headers['x-upstream']).toBe('yes');
  });

  it('sets X-Forwarded-For from the socket, not from a spoofed header (no trusted proxies)', async () => {
    const res = await request(`${base}/api/xff`, {
      headers: {
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-host': 'evil.example',
        forwarded: 'for=6.6.6.6',
      },
    });
    await res.body.text();
    const hit = upstream.hits.at(-1);
    expect(hit?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(hit?.headers['x-forwarded-proto']).toBe('http');
    expect(hit?.headers['x-forwarded-host']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(hit?.headers.forwarded).toBeUndefined();
  });

  it('refuses a request that asks the upstream to run it as another method or path', async () => {
    for (const [name, value] of [
      ['x-http-method-override', 'DELETE'],
      ['x-http-method', 'DELETE'],
      ['x-method-override', 'PUT'],
      ['x-original-url', '/me/profile'],
      ['x-rewrite-url', '/me/profile'],
    ] as const) {
      const res = await request(`${base}/api/orders/1`, { headers: { [name]: value } });
      const body = (await res.body.json()) as { code?: string; detail?: string };
      expect(res.statusCode, name).toBe(400);
      expect(body.code).toBe('request_override_refused');
      expect(body.detail).toContain(name);
    }
    expect(upstream.hits).toHaveLength(0);
    // Rampart's own routes do not honour them, so they are not refused there.
    const own = await request(`${base}/health`, {
      headers: { 'x-http-method-override': 'DELETE' },
    });
    await own.body.text();
    expect(own.statusCode).toBe(200);
  });

  it('does not pass on client-address headers an upstream might trust as its proxy would set them', async () => {
    const spoofed = {
      'x-real-ip': '6.6.6.6',
      'x-client-ip': '6.6.6.6',
      'true-client-ip': '6.6.6.6',
      'cf-connecting-ip': '6.6.6.6',
      'x-cluster-client-ip': '6.6.6.6',
      'x-forwarded-port': '443',
      'x-forwarded-prefix': '/admin',
    };
    const res = await request(`${base}/api/ip`, { headers: spoofed });
    await res.body.text();
    expect(res.statusCode).toBe(200);
    const hit = upstream.hits.at(-1);
    for (const name of Object.keys(spoofed)) expect(hit?.headers[name], name).toBeUndefined();
    expect(hit?.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('cuts off a chunked body past gateway.maxBodyBytes with a 4xx', async () => {
    const chunks = (async function* body() {
      for (let i = 0; i < 10; i++) yield Buffer.alloc(1024, 97);
    })();
    const res = await request(`${base}/api/upload`, {
      method: 'POST',
      body: Readable.from(chunks),
    });
    await res.body.text();
    expect(res.statusCode).toBe(413);
  });

  it('refuses a path an upstream could resolve into a protected route (dot segments, encoded slashes)', async () => {
    for (const path of [
      '/api/../me/profile',
      '/api/%2e%2e/me/profile',
      '/api/..%2fme/profile',
      '/api/x/../../me/profile',
      '/api/..\\me/profile',
      '/api//../me/profile',
    ]) {
      // Sent raw: fetch-style clients would resolve the dot segments before sending.
      const answer = await rawRequestLine(base, `GET ${path} HTTP/1.1`);
      expect(answer, path).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer, path).toContain('"code":"ambiguous_path"');
    }
    expect(upstream.hits).toHaveLength(0);
    // The plain forms route as usual: the public one is proxied, the protected one guarded.
    expect(await rawRequestLine(base, 'GET /api/file.tar.gz HTTP/1.1')).toMatch(/^HTTP\/1\.1 200 /);
    expect(await rawRequestLine(base, 'GET /me/profile HTTP/1.1')).toMatch(/^HTTP\/1\.1 401 /);
    expect(upstream.hits.map((h) => h.url)).toEqual(['/api/file.tar.gz']);
  });

  it('answers malformed input with 4xx problems, never 500', async () => {
    const cases = [
      { method: 'GET' as const, url: '/me/x', headers: { authorization: 'Bearer not-a-jwt' } },
      { method: 'GET' as const, url: '/me/x', headers: { authorization: 'Basic abc' } },
      { method: 'GET' as const, url: '/me/x', headers: { 'x-api-key': '' } },
      {
        method: 'GET' as const,
        url: '/me/x',
        headers: { 'x-signature': 'abc', 'x-key-id': 'k', 'x-timestamp': 'x', 'x-nonce': 'n' },
      },
      { method: 'GET' as const, url: '/me/%zz', headers: {} },
    ];
    for (const c of cases) {
      const res = await r.app.inject(c);
      expect(
        res.statusCode,
        `${c.url} ${JSON.stringify(c.headers)}: ${res.body}`,
      ).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
    }
    expect(upstream.hits).toHaveLength(0);
    expectProblem(
      await r.app.inject({ method: 'GET', url: '/me/x' }),
      401,
      'authentication_required',
    );
  });
});

// Behind a reverse proxy Rampart trusts, the upstream must learn the client that proxy
// saw, first in X-Forwarded-For, and nothing a client wrote to the left of it.
describe('gateway behind a trusted proxy', () => {
  let upstream: TestUpstream;
  let r: TestRampart;
  let base: string;

  beforeAll(async () => {
    upstream = await startTestUpstream();
    r = await startTestRampart({
      overrides: {
        network: { trustedProxies: ['127.0.0.1'] },
        gateway: {
          upstream: upstream.url,
          identitySecret: secret,
          routes: [
            { method: '*', path: '/api/*', auth: 'none', signature: false, idempotency: false },
          ],
        },
      },
    });
    base = await r.listen();
  });
  afterAll(async () => {
    await r?.close();
    await upstream?.close();
  });

  it('forwards the client the proxy names first, then the proxy, and drops spoofed entries', async () => {
    const via = async (xff: string) => {
      const res = await request(`${base}/api/xff`, { headers: { 'x-forwarded-for': xff } });
      await res.body.text();
      expect(res.statusCode).toBe(200);
      return upstream.hits.at(-1)?.headers['x-forwarded-for'];
    };
    expect(await via('203.0.113.5')).toBe('203.0.113.5, 127.0.0.1');
    // The client wrote 6.6.6.6 itself; the proxy appended the address it saw.
    expect(await via('6.6.6.6, 203.0.113.5')).toBe('203.0.113.5, 127.0.0.1');
  });
});
