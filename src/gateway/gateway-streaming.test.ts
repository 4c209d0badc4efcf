import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/free-port.js';
import { expectProblem } from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import { startTestUpstream, type TestUpstream } from '../../test/support/test-upstream.js';
import type { SecurityEvent } from '../events/security-event.js';

const route = {
  method: '*',
  path: '/api/*',
  auth: 'none',
  signature: false,
  idempotency: false,
} as const;

describe('gateway streaming', () => {
  let upstream: TestUpstream;
  let r: TestRampart;
  let base: string;

  beforeAll(async () => {
    upstream = await startTestUpstream();
    r = await startTestRampart({
      overrides: { gateway: { upstream: upstream.url, routes: [route] } },
    });
    base = await r.listen();
  });
  afterAll(async () => {
    await r?.close();
    await upstream?.close();
  });

  it('streams a 20 MB body to the upstream while the client is still sending it', async () => {
    const chunk = Buffer.alloc(1024 * 1024);
    const hash = createHash('sha256');
    let clientDoneAt = 0;
    const body = (async function* send() {
      for (let i = 0; i < 20; i++) {
        chunk.fill(i);
        hash.update(chunk);
        yield Buffer.from(chunk);
        await sleep(20);
      }
      clientDoneAt = Date.now();
    })();
    const res = await request(`${base}/api/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Readable.from(body),
    });
    const echoed = (await res.body.json()) as { bodyLength: number; bodySha256: string };
    expect(res.statusCode).toBe(200);
    expect(echoed.bodyLength).toBe(20 * 1024 * 1024);
    expect(echoed.bodySha256).toBe(hash.digest('hex'));
    const hit = upstream.hits.at(-1);
    // Not buffered: the first bytes reached the upstream long before the last left the client.
    expect(hit?.firstChunkAt).toBeLessThan(clientDoneAt - 200);
  });
});

describe('gateway circuit breaker', () => {
  let r: TestRampart;
  let port: number;
  let upstream: TestUpstream | undefined;
  let events: SecurityEvent[];

  beforeAll(async () => {
    port = await freePort();
    r = await startTestRampart({
      overrides: {
        gateway: {
          upstream: `http://127.0.0.1:${port}`,
          circuitBreaker: { failures: 2, openDuration: 1 },
          routes: [route],
        },
      },
    });
    events = [];
    r.events.subscribe('test', (e) => {
      events.push(e);
    });
  });
  afterAll(async () => {
    await r?.close();
    await upstream?.close();
  });

  it('answers 502 on a closed port, opens after the threshold, probes once and closes again', async () => {
    const get = () => r.app.inject({ method: 'GET', url: '/api/x' });
    expectProblem(await get(), 502, 'upstream_unavailable');
    expectProblem(await get(), 502, 'upstream_unavailable');
    expect(events.filter((e) => e.type === 'gateway.circuit.opened')).toHaveLength(1);
    const open = await get();
    expectProblem(open, 503, 'upstream_circuit_open');
    expect(Number(open.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(events.filter((e) => e.type === 'gateway.upstream.failed')).toHaveLength(2);

    // Half open after the open duration: one probe fails and opens it again.
    await sleep(1100);
    expectProblem(await get(), 502, 'upstream_unavailable');
    expectProblem(await get(), 503, 'upstream_circuit_open');
    expect(events.filter((e) => e.type === 'gateway.circuit.opened')).toHaveLength(2);

    // The upstream comes back: the next probe closes the circuit.
    upstream = await startTestUpstream(port);
    await sleep(1100);
    expect((await get()).statusCode).toBe(200);
    expect(events.filter((e) => e.type === 'gateway.circuit.closed')).toHaveLength(1);
    expect((await get()).statusCode).toBe(200);
    expect(upstream.hits).toHaveLength(2);
    const stats = r.gateway.stats().find((s) => s.route === '* /api/*');
    expect(stats).toMatchObject({ unavailable: 3, circuitOpen: 2, forwarded: 5 });
  });
});
