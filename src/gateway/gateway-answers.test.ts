import { createHash } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createUser, expectProblem, login } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';

/** How the upstream of these tests answers each path. */
const answers: Record<string, (res: ServerResponse) => void> = {
  '/ans/small': (res) => {
    res.setHeader('content-type', 'text/plain');
    res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
    res.setHeader('x-multi', ['one', 'two']);
    res.setHeader('content-length', 12);
    res.end('small answer');
  },
  '/ans/large': (res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 100_000 });
    res.end(large);
  },
  '/ans/hints': (res) => {
    res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 5 });
    res.end('hints');
  },
  '/own/plain': (res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
    res.end('{}');
  },
  '/own/cached': (res) => {
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': 2,
      'cache-control': 'private, max-age=30',
    });
    res.end('{}');
  },
  // Declares 1,000 bytes, sends 10 and hangs up.
  '/ans/cut': (res) => {
    res.writeHead(200, { 'content-length': 1000, 'x-upstream-detail': 'leaks' });
    res.write('0123456789', () => res.socket?.destroy());
  },
  // Streams without end until the client goes away.
  '/ans/endless': (res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const timer = setInterval(() => res.write(Buffer.alloc(1024)), 5);
    res.on('close', () => {
      clearInterval(timer);
      endlessClosed = true;
    });
  },
};

const large = Buffer.alloc(100_000);
for (let i = 0; i < large.length; i++) large[i] = i % 251;
let endlessClosed = false;

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('gateway answers', () => {
  let upstream: Server;
  const sockets = new Set<Socket>();
  let r: TestRampart;
  let base: string;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const path = (req.url ?? '').split('?')[0] as string;
        (answers[path] ?? answers['/ans/large'])?.(res);
      });
    });
    upstream.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    r = await startTestRampart({
      overrides: {
        idempotency: { maxBodyBytes: 1024 },
        gateway: {
          upstream: `http://127.0.0.1:${port}`,
          routes: [
            { method: 'GET', path: '/ans/*', auth: 'none', signature: false, idempotency: false },
            { method: 'POST', path: '/kept/*', auth: 'jwt', signature: false, idempotency: true },
            { method: 'GET', path: '/own/*', auth: 'jwt', signature: false, idempotency: false },
          ],
        },
      },
    });
    base = await r.listen();
  });
  afterAll(async () => {
    await r?.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it('passes a small answer on whole, with repeated headers kept apart', async () => {
    const res = await request(`${base}/ans/small`);
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('small answer');
    expect(res.headers['content-length']).toBe('12');
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(res.headers['x-multi']).toEqual(['one', 'two']);
  });

  it('streams an answer over the whole-answer size intact', async () => {
    const res = await request(`${base}/ans/large`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe('100000');
    const body = Buffer.from(await res.body.arrayBuffer());
    expect(body.length).toBe(100_000);
    expect(sha256(body)).toBe(sha256(large));
  });

  it('skips 1xx informational answers and passes the final one', async () => {
    const res = await request(`${base}/ans/hints`);
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('hints');
  });

  it('answers 502 when the upstream hangs up inside a small answer, without its headers', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/ans/cut' });
    expectProblem(res, 502, 'upstream_unavailable');
    expect(res.headers['x-upstream-detail']).toBeUndefined();
  });

  it('stops the upstream call when the client leaves a streamed answer', async () => {
    endlessClosed = false;
    const controller = new AbortController();
    const res = await request(`${base}/ans/endless`, { signal: controller.signal });
    expect(res.statusCode).toBe(200);
    for await (const _chunk of res.body) break;
    controller.abort();
    await expect.poll(() => endlessClosed, { timeout: 5000 }).toBe(true);
  });

  it("keeps an authenticated caller's answer out of caches unless the upstream says otherwise", async () => {
    const u = await createUser(r, 'own@example.com', ['DEVELOPER']);
    const token = await login(r, u.email, u.password);
    const plain = await request(`${base}/own/plain`, { headers: bearer(token) });
    expect(plain.statusCode).toBe(200);
    await plain.body.text();
    expect(plain.headers['cache-control']).toBe('no-store');
    const cached = await request(`${base}/own/cached`, { headers: bearer(token) });
    expect(cached.statusCode).toBe(200);
    await cached.body.text();
    expect(cached.headers['cache-control']).toBe('private, max-age=30');
    // An anonymous route's answer is the upstream's to cache or not.
    const open = await request(`${base}/ans/small`);
    await open.body.text();
    expect(open.headers['cache-control']).toBeUndefined();
  });

  it('an idempotent route streams an answer too large to keep, whole', async () => {
    const u = await createUser(r, 'kept@example.com', ['DEVELOPER']);
    const token = await login(r, u.email, u.password);
    const res = await request(`${base}/kept/large`, {
      method: 'POST',
      headers: { ...bearer(token), 'idempotency-key': 'big-1', 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(res.statusCode).toBe(200);
    expect(sha256(Buffer.from(await res.body.arrayBuffer()))).toBe(sha256(large));
  });
});
