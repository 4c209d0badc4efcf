import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { GatewayStats } from '../../gateway/gateway-stats.js';
import { registerGatewayMetrics } from './gateway-metrics.js';

describe('gateway metrics', () => {
  it('export the gateway route counters as they are at scrape time', async () => {
    const stats = new GatewayStats();
    const registry = new Registry();
    registerGatewayMetrics(registry, () => stats.snapshot());
    const route = stats.route('GET /api/orders/:id');
    route.forwarded = 3;
    route.responses['2xx'] = 2;
    route.timeouts = 1;
    let text = await registry.metrics();
    expect(text).toContain('rampart_gateway_forwarded_total{route="GET /api/orders/:id"} 3');
    expect(text).toContain(
      'rampart_gateway_upstream_responses_total{route="GET /api/orders/:id",class="2xx"} 2',
    );
    expect(text).toContain(
      'rampart_gateway_upstream_failures_total{route="GET /api/orders/:id",reason="timeout"} 1',
    );
    route.forwarded = 4;
    text = await registry.metrics();
    expect(text).toContain('rampart_gateway_forwarded_total{route="GET /api/orders/:id"} 4');
  });
});
