import { Counter, Gauge, type Registry } from 'prom-client';

/** An in-memory cache that counts its own lookups. */
export interface CacheProbe {
  /** `accounts`, `api_keys`. */
  readonly cache: string;
  stats(): { size: number; hits: number; misses: number };
}

/**
 * Size, hits and misses of the in-process caches, read at scrape time: the caches count
 * with plain integers on their hot path and know nothing of Prometheus.
 *
 * @example
 * registerCacheMetrics(registry, [{ cache: 'accounts', stats: () => accountCache.stats() }]);
 */
export function registerCacheMetrics(registry: Registry, caches: readonly CacheProbe[]): void {
  new Gauge({
    name: 'rampart_cache_entries',
    help: 'Entries held by each in-memory cache.',
    labelNames: ['cache'] as const,
    registers: [registry],
    collect() {
      for (const c of caches) this.set({ cache: c.cache }, c.stats().size);
    },
  });
  const lookups = (name: string, help: string, pick: 'hits' | 'misses') =>
    new Counter({
      name,
      help,
      labelNames: ['cache'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const c of caches) this.inc({ cache: c.cache }, c.stats()[pick]);
      },
    });
  lookups('rampart_cache_hits_total', 'Lookups each cache answered from memory.', 'hits');
  lookups('rampart_cache_misses_total', 'Lookups each cache passed on to its store.', 'misses');
}
