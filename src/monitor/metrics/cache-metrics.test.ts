import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerCacheMetrics } from './cache-metrics.js';

describe('cache metrics', () => {
  it('report each cache’s size, hits and misses as they are at scrape time', async () => {
    const stats = { size: 2, hits: 5, misses: 3 };
    const registry = new Registry();
    registerCacheMetrics(registry, [{ cache: 'accounts', stats: () => stats }]);
    expect(await registry.metrics()).toContain('rampart_cache_hits_total{cache="accounts"} 5');
    stats.hits = 7;
    stats.size = 4;
    const text = await registry.metrics();
    expect(text).toContain('rampart_cache_hits_total{cache="accounts"} 7');
    expect(text).toContain('rampart_cache_misses_total{cache="accounts"} 3');
    expect(text).toContain('rampart_cache_entries{cache="accounts"} 4');
  });
});
