import { Gauge, type Registry } from 'prom-client';

/** A store that can be pinged: the database, the hot store, the rate-limit store. */
export interface StoreProbe {
  /** `database`, `hotstore`, `ratelimit`. */
  readonly store: string;
  /** The adapter: `sqlite`, `postgres`, `memory`, `redis`. */
  readonly kind: string;
  /** Round-trips to the store; resolves with the latency in ms. */
  ping(): Promise<number>;
}

/**
 * Pings every store when Prometheus scrapes (in parallel, each bounded by `timeoutMs`)
 * and reports the round-trip time and whether it answered. Nothing runs between
 * scrapes.
 *
 * @example
 * registerStoreMetrics(registry, [{ store: 'database', kind: 'sqlite', ping: () => db.ping() }]);
 */
export function registerStoreMetrics(
  registry: Registry,
  probes: readonly StoreProbe[],
  timeoutMs = 2000,
): void {
  const results = new Map<StoreProbe, number | undefined>();
  let pending: Promise<void> | undefined;
  // One round of pings serves both gauges of a scrape.
  const probeAll = () => {
    pending ??= Promise.all(
      probes.map(async (probe) => {
        results.set(probe, await withTimeout(probe.ping(), timeoutMs).catch(() => undefined));
      }),
    ).then(() => {
      pending = undefined;
    });
    return pending;
  };

  new Gauge({
    name: 'rampart_store_ping_seconds',
    help: 'Round-trip time of a ping to each store, measured at scrape time (absent when it failed).',
    labelNames: ['store', 'kind'] as const,
    registers: [registry],
    async collect() {
      await probeAll();
      this.reset();
      for (const probe of probes) {
        const ms = results.get(probe);
        if (ms !== undefined) this.set({ store: probe.store, kind: probe.kind }, ms / 1000);
      }
    },
  });
  new Gauge({
    name: 'rampart_store_up',
    help: 'Whether each store answered a ping at scrape time (1) or not (0).',
    labelNames: ['store', 'kind'] as const,
    registers: [registry],
    async collect() {
      await probeAll();
      for (const probe of probes) {
        this.set(
          { store: probe.store, kind: probe.kind },
          results.get(probe) === undefined ? 0 : 1,
        );
      }
    },
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('store ping timed out')), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Whether the shared rate-limit store has failed and limits follow `rateLimit.failMode`
 * (per-node budgets or refusals) instead of being global: 1 while degraded.
 *
 * @example
 * registerRateLimitStoreMetrics(registry, 'redis', () => limiter.degraded);
 */
export function registerRateLimitStoreMetrics(
  registry: Registry,
  kind: string,
  degraded: () => boolean,
): void {
  new Gauge({
    name: 'rampart_ratelimit_store_degraded',
    help: 'Whether the rate-limit store is unreachable and limits follow rateLimit.failMode (1) or are shared (0).',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      this.set({ kind }, degraded() ? 1 : 0);
    },
  });
}
