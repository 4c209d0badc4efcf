import Fastify from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { registerHttpMetrics } from './http-metrics.js';

describe('HTTP metrics', () => {
  const app = Fastify();
  afterEach(async () => {
    await app.close();
  });

  it('count requests by route pattern and method, fold unknown methods, and track requests in flight', async () => {
    const registry = new Registry();
    registerHttpMetrics(app, registry);
    let inFlightDuringRequest: string | undefined;
    app.get('/items/:id', async () => {
      inFlightDuringRequest = (
        await registry.getSingleMetricAsString('rampart_http_requests_in_flight')
      )
        .split('\n')
        .at(-1);
      return { ok: true };
    });
    await app.inject({ method: 'GET', url: '/items/1' });
    await app.inject({ method: 'GET', url: '/items/2?x=y' });
    // inject() types only the common methods; an unusual one goes over the wire.
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    await fetch(`${url}/items/3`, { method: 'PROPFIND' });
    expect(inFlightDuringRequest).toBe('rampart_http_requests_in_flight 1');
    const text = await registry.metrics();
    expect(text).toContain(
      'rampart_http_requests_total{route="/items/:id",method="GET",status="200"} 2',
    );
    expect(text).toContain('method="OTHER"');
    expect(text).not.toContain('/items/1');
    expect(text).toContain('rampart_http_requests_in_flight 0');
    expect(text).toContain(
      'rampart_http_request_duration_seconds_count{route="/items/:id",method="GET",status="200"} 2',
    );
  });

  it("exports what prom-client's own metrics export for the same requests, series in first-seen order", async () => {
    const registry = new Registry();
    const app = Fastify();
    onTestFinished(() => app.close());
    registerHttpMetrics(app, registry);
    app.get('/items/:id', async () => ({ ok: true }));
    app.get('/fail', async () => {
      throw new Error('boom');
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const sent: [string, string][] = [
      ['GET', '/items/1'],
      ['POST', '/items/1'],
      ['GET', '/fail'],
      ['HEAD', '/items/2'],
      ['GET', '/items/3'],
      ['PROPFIND', '/items/4'],
      ['GET', '/nowhere'],
      ['GET', '/fail'],
    ];
    for (const [method, path] of sent) await (await fetch(`${url}${path}`, { method })).text();

    const reference = new Registry();
    const total = new Counter({
      name: 'rampart_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers: [reference],
    });
    const duration = new Histogram({
      name: 'rampart_http_request_duration_seconds',
      help: 'Time from receiving a request to the end of its response, by route pattern, method and status.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [reference],
    });
    new Gauge({
      name: 'rampart_http_requests_in_flight',
      help: 'HTTP requests received and not yet answered.',
      registers: [reference],
    }).set(0);
    const answered = [
      { route: '/items/:id', method: 'GET', status: '200' },
      { route: 'unmatched', method: 'POST', status: '404' },
      { route: '/fail', method: 'GET', status: '500' },
      { route: '/items/:id', method: 'HEAD', status: '200' },
      { route: '/items/:id', method: 'GET', status: '200' },
      { route: 'unmatched', method: 'OTHER', status: '404' },
      { route: 'unmatched', method: 'GET', status: '404' },
      { route: '/fail', method: 'GET', status: '500' },
    ];
    for (const labels of answered) {
      total.inc(labels);
      duration.observe(labels, 0);
    }
    const text = async (r: Registry, name: string) => r.getSingleMetricAsString(name);
    for (const name of ['rampart_http_requests_total', 'rampart_http_requests_in_flight']) {
      expect(await text(registry, name)).toBe(await text(reference, name));
    }
    // Latencies differ; the series, their order and their counts do not.
    const counts = async (r: Registry) =>
      (await text(r, 'rampart_http_request_duration_seconds'))
        .split('\n')
        .filter((line) => !line.includes('_bucket') && !line.includes('_sum'));
    expect(await counts(registry)).toEqual(await counts(reference));
  });
});
