import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesHistogram } from './series-histogram.js';

const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const labelNames = ['route', 'method', 'status'];
// Bucket edges, values between them, above every bound, and zero.
const observations: [Record<string, string>, number][] = [
  [{ route: '/a', method: 'GET', status: '200' }, 0.0004],
  [{ route: '/a', method: 'GET', status: '200' }, 0.001],
  [{ route: '/b/:id', method: 'POST', status: '201' }, 0.3],
  [{ route: '/a', method: 'GET', status: '200' }, 0.0031],
  [{ route: 'unmatched', method: 'OTHER', status: '404' }, 12],
  [{ route: '/b/:id', method: 'POST', status: '201' }, 10],
  [{ route: '/a', method: 'GET', status: '200' }, 0],
  [{ route: '/q"x\\y', method: 'GET', status: '500' }, 0.05],
];

function both() {
  const theirs = new Registry();
  const ours = new Registry();
  const reference = new Histogram({
    name: 'h_seconds',
    help: 'Latency.',
    labelNames,
    buckets,
    registers: [theirs],
  });
  const histogram = new SeriesHistogram({
    name: 'h_seconds',
    help: 'Latency.',
    labelNames,
    buckets,
    registers: [ours],
  });
  return { theirs, ours, reference, histogram };
}

describe('SeriesHistogram', () => {
  it('exports exactly what prom-client exports for the same observations', async () => {
    const { theirs, ours, reference, histogram } = both();
    for (const [labels, value] of observations) {
      reference.observe(labels, value);
      histogram.series(labels).observe(value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
    expect(await ours.getSingleMetric('h_seconds')?.get()).toEqual(await reference.get());
  });

  it('hands out one series per label set', () => {
    const { histogram } = both();
    const a = histogram.series({ route: '/a', method: 'GET', status: '200' });
    expect(histogram.series({ status: '200', method: 'GET', route: '/a' })).toBe(a);
    expect(histogram.series({ route: '/a', method: 'GET', status: '201' })).not.toBe(a);
  });

  it('exports no series before it observes, and none after a reset until it observes again', async () => {
    const { theirs, ours, reference, histogram } = both();
    const series = histogram.series({ route: '/a', method: 'GET', status: '200' });
    expect(await ours.metrics()).toBe(await theirs.metrics());
    series.observe(0.2);
    reference.observe({ route: '/a', method: 'GET', status: '200' }, 0.2);
    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    series.observe(0.02);
    reference.observe({ route: '/a', method: 'GET', status: '200' }, 0.02);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('refuses a value that is not a number, as prom-client does', () => {
    const { histogram } = both();
    expect(() => histogram.series({ route: '/a' }).observe(Number.NaN)).toThrow(TypeError);
  });
});
