/** Counters of one gateway route, until the monitor capability takes metrics over. */
export interface GatewayRouteStats {
  route: string;
  /** Requests that reached the proxy step (authenticated, within limits). */
  forwarded: number;
  /** Upstream answers by status class. */
  responses: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  timeouts: number;
  unavailable: number;
  circuitOpen: number;
}

export class GatewayStats {
  readonly #routes = new Map<string, GatewayRouteStats>();

  route(name: string): GatewayRouteStats {
    let stats = this.#routes.get(name);
    if (!stats) {
      stats = {
        route: name,
        forwarded: 0,
        responses: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
        timeouts: 0,
        unavailable: 0,
        circuitOpen: 0,
      };
      this.#routes.set(name, stats);
    }
    return stats;
  }

  /** A copy of every route's counters. */
  snapshot(): GatewayRouteStats[] {
    return [...this.#routes.values()].map((s) => ({ ...s, responses: { ...s.responses } }));
  }
}

export function statusClass(status: number): keyof GatewayRouteStats['responses'] {
  if (status < 200) return '1xx';
  if (status < 300) return '2xx';
  if (status < 400) return '3xx';
  if (status < 500) return '4xx';
  return '5xx';
}
