import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { readMetric, registryHasMetric } from './read-metric.js';

describe('readMetric', () => {
  it('sums the matching series of a counter per groupBy value set', async () => {
    const registry = new Registry();
    const c = new Counter({
      name: 'events_total',
      help: 'h',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    });
    c.inc({ type: 'a', outcome: 'failure' }, 2);
    c.inc({ type: 'a', outcome: 'success' }, 3);
    c.inc({ type: 'b', outcome: 'failure' }, 5);
    const all = await readMetric(registry, 'events_total', {}, []);
    expect([...all.values()]).toEqual([{ labels: {}, value: 10 }]);
    const failures = await readMetric(registry, 'events_total', { outcome: 'failure' }, ['type']);
    expect([...failures.values()]).toEqual([
      { labels: { type: 'a' }, value: 2 },
      { labels: { type: 'b' }, value: 5 },
    ]);
  });

  it("reads a histogram's _count and _sum samples", async () => {
    const registry = new Registry();
    const h = new Histogram({
      name: 'latency_seconds',
      help: 'h',
      labelNames: ['route'],
      buckets: [0.1, 1],
      registers: [registry],
    });
    h.observe({ route: '/x' }, 0.5);
    h.observe({ route: '/x' }, 2);
    expect(registryHasMetric(registry, 'latency_seconds_count')).toBe(true);
    expect(registryHasMetric(registry, 'nope_count')).toBe(false);
    expect([
      ...(await readMetric(registry, 'latency_seconds_count', { route: '/x' }, [])).values(),
    ]).toEqual([{ labels: {}, value: 2 }]);
    expect([...(await readMetric(registry, 'latency_seconds_sum', {}, [])).values()]).toEqual([
      { labels: {}, value: 2.5 },
    ]);
  });
});
