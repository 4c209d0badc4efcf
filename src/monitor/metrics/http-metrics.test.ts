import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
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
});
