import type { Registry } from 'prom-client';
import type { EventBus, EventSubscription } from '../events/event-bus.js';
import { OverviewSeries } from './core/overview-series.js';

interface HttpTotals {
  requests: number;
  errors: number;
  latencySum: number;
  latencyCount: number;
}

async function readHttpTotals(registry: Registry): Promise<HttpTotals | undefined> {
  const requests = registry.getSingleMetric('rampart_http_requests_total');
  const duration = registry.getSingleMetric('rampart_http_request_duration_seconds');
  if (requests === undefined || duration === undefined) return undefined;
  const totals: HttpTotals = { requests: 0, errors: 0, latencySum: 0, latencyCount: 0 };
  for (const v of (await requests.get()).values) {
    totals.requests += v.value;
    if (String(v.labels.status ?? '').startsWith('5')) totals.errors += v.value;
  }
  for (const v of (await duration.get()).values) {
    const name = (v as { metricName?: string }).metricName;
    if (name?.endsWith('_sum')) totals.latencySum += v.value;
    else if (name?.endsWith('_count')) totals.latencyCount += v.value;
  }
  return totals;
}

export interface OverviewSampler {
  readonly series: OverviewSeries;
  /** Folds the HTTP counts since the last sample into the series (also run on a timer). */
  sample(): Promise<void>;
  close(): void;
}

/**
 * Feeds the overview: security events as they are published, HTTP counts from this
 * instance's Prometheus registry every `intervalMs` (the counters are cumulative, so the
 * sampler records differences). Per node and in memory: a restart starts the charts
 * afresh, and each node reports its own traffic.
 */
export function startOverviewSampler(options: {
  events: EventBus;
  registry?: Registry;
  intervalMs?: number;
  now?: () => number;
}): OverviewSampler {
  const series = new OverviewSeries();
  const now = options.now ?? Date.now;
  const subscription: EventSubscription = options.events.subscribe('monitor-overview', (event) =>
    series.countEvent(event.type, event.time),
  );
  let last: HttpTotals | undefined;
  let running: Promise<void> | undefined;
  const sample = (): Promise<void> => {
    const registry = options.registry;
    if (registry === undefined) return Promise.resolve();
    running ??= (async () => {
      try {
        const totals = await readHttpTotals(registry);
        if (totals === undefined) return;
        if (last !== undefined) {
          series.addHttp(now(), {
            requests: totals.requests - last.requests,
            errors: totals.errors - last.errors,
            latencySum: totals.latencySum - last.latencySum,
            latencyCount: totals.latencyCount - last.latencyCount,
          });
        }
        last = totals;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  void sample();
  const timer = setInterval(() => void sample().catch(() => {}), options.intervalMs ?? 10_000);
  timer.unref();
  return {
    series,
    sample,
    close() {
      clearInterval(timer);
      subscription.unsubscribe();
    },
  };
}
