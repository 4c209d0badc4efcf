import { createHash } from 'node:crypto';
import type { Aggregation, Operator } from './alert-rule.js';

export interface Sample {
  time: number;
  value: number;
}

/**
 * The aggregation of metric samples (a counter or gauge read once per evaluation) over a
 * window: `count` is the counter's increase, `rate` that increase per second (a drop is a
 * counter reset, as in PromQL's increase()), `avg` and `max` are over the samples.
 */
export function aggregateMetric(
  aggregation: Aggregation,
  samples: readonly Sample[],
): number | undefined {
  if (samples.length === 0) return undefined;
  switch (aggregation) {
    case 'avg':
      return samples.reduce((sum, s) => sum + s.value, 0) / samples.length;
    case 'max':
      return samples.reduce((max, s) => Math.max(max, s.value), Number.NEGATIVE_INFINITY);
    case 'count':
    case 'rate': {
      let increase = 0;
      for (let i = 1; i < samples.length; i++) {
        const prev = (samples[i - 1] as Sample).value;
        const cur = (samples[i] as Sample).value;
        increase += cur >= prev ? cur - prev : cur;
      }
      if (aggregation === 'count') return increase;
      const span = ((samples.at(-1) as Sample).time - (samples[0] as Sample).time) / 1000;
      return span > 0 ? increase / span : 0;
    }
  }
}

/**
 * The aggregation of a metric over the cluster from each node's own aggregation: the
 * increases (`count`) and rates of counters add up, `avg` is the nodes' mean and `max`
 * the largest. One node: its value unchanged.
 */
export function combineNodes(
  aggregation: Aggregation,
  values: readonly number[],
): number | undefined {
  if (values.length === 0) return undefined;
  switch (aggregation) {
    case 'count':
    case 'rate':
      return values.reduce((sum, v) => sum + v, 0);
    case 'avg':
      return values.reduce((sum, v) => sum + v, 0) / values.length;
    case 'max':
      return Math.max(...values);
  }
}

/** The aggregation of signals in a window: count, count per second, or avg/max of their values. */
export function aggregateSignals(
  aggregation: Aggregation,
  values: readonly number[],
  windowSeconds: number,
): number | undefined {
  switch (aggregation) {
    case 'count':
      return values.length;
    case 'rate':
      return values.length / windowSeconds;
    case 'avg':
      return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
    case 'max':
      return values.length === 0 ? undefined : Math.max(...values);
  }
}

export function compare(operator: Operator, value: number, threshold: number): boolean {
  switch (operator) {
    case 'gt':
      return value > threshold;
    case 'gte':
      return value >= threshold;
    case 'lt':
      return value < threshold;
    case 'lte':
      return value <= threshold;
    case 'eq':
      return value === threshold;
  }
}

/** The values of `keys` in `labels` (absent: empty string), in `keys` order. */
export function pickLabels(
  labels: Readonly<Record<string, string | number>>,
  keys: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) out[key] = String(labels[key] ?? '');
  return out;
}

/** A stable id for one alert: its rule and its group's labels. */
export function alertFingerprint(
  ruleId: string,
  groupLabels: Readonly<Record<string, string>>,
): string {
  const sorted = Object.keys(groupLabels)
    .sort()
    .map((k) => [k, groupLabels[k]]);
  return createHash('sha256')
    .update(JSON.stringify([ruleId, sorted]))
    .digest('hex')
    .slice(0, 32);
}

/** Whether every `want` label equals the one in `labels`. */
export function labelsMatch(
  labels: Readonly<Record<string, string | number>>,
  want: Readonly<Record<string, string>>,
): boolean {
  for (const [k, v] of Object.entries(want)) if (String(labels[k] ?? '') !== v) return false;
  return true;
}
