import { Counter, type Registry } from 'prom-client';
import type { GatewayRouteStats } from '../../gateway/gateway-stats.js';

/**
 * The gateway's per-route counters (kept by the gateway itself on its hot path), read at
 * scrape time. The route label is the gateway route pattern from the config file.
 *
 * @example
 * registerGatewayMetrics(registry, () => gateway.stats());
 */
export function registerGatewayMetrics(
  registry: Registry,
  stats: () => readonly GatewayRouteStats[],
): void {
  new Counter({
    name: 'rampart_gateway_forwarded_total',
    help: 'Requests the gateway forwarded to the upstream, by gateway route.',
    labelNames: ['route'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats()) this.inc({ route: s.route }, s.forwarded);
    },
  });
  new Counter({
    name: 'rampart_gateway_upstream_responses_total',
    help: 'Upstream answers passed on by the gateway, by gateway route and status class.',
    labelNames: ['route', 'class'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats()) {
        for (const [statusClass, n] of Object.entries(s.responses)) {
          this.inc({ route: s.route, class: statusClass }, n);
        }
      }
    },
  });
  new Counter({
    name: 'rampart_gateway_upstream_failures_total',
    help: 'Gateway requests that got no upstream answer: timeout, unavailable, or refused while the circuit was open.',
    labelNames: ['route', 'reason'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of stats()) {
        this.inc({ route: s.route, reason: 'timeout' }, s.timeouts);
        this.inc({ route: s.route, reason: 'unavailable' }, s.unavailable);
        this.inc({ route: s.route, reason: 'circuit_open' }, s.circuitOpen);
      }
    },
  });
}
