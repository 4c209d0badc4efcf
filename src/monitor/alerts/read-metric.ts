import type { Registry } from 'prom-client';
import { labelsMatch, pickLabels } from './core/aggregation.js';

/** Values of one metric per group of a rule: group key → its labels and summed value. */
export type MetricGroups = Map<string, { labels: Record<string, string>; value: number }>;

/**
 * The sum of the series of `name` whose labels match `want`, per value set of `groupBy`.
 * A histogram or summary is read by its sample names (`…_count`, `…_sum`, `…_bucket`).
 */
export async function readMetric(
  registry: Registry,
  name: string,
  want: Readonly<Record<string, string>>,
  groupBy: readonly string[],
): Promise<MetricGroups> {
  const base = registry.getSingleMetric(name) ? name : name.replace(/_(count|sum|bucket)$/, '');
  const metric = registry.getSingleMetric(base);
  const out: MetricGroups = new Map();
  if (!metric) return out;
  const data = await metric.get();
  for (const v of data.values) {
    const sampleName = (v as { metricName?: string }).metricName ?? base;
    if (sampleName !== name) continue;
    const labels = v.labels as Record<string, string | number>;
    if (!labelsMatch(labels, want)) continue;
    const picked = pickLabels(labels, groupBy);
    const key = JSON.stringify(picked);
    const g = out.get(key);
    if (g) g.value += v.value;
    else out.set(key, { labels: picked, value: v.value });
  }
  return out;
}

/** Whether `name` is a metric (or a histogram/summary sample) of the registry. */
export function registryHasMetric(registry: Registry | undefined, name: string): boolean {
  if (!registry) return false;
  return (
    registry.getSingleMetric(name) !== undefined ||
    registry.getSingleMetric(name.replace(/_(count|sum|bucket)$/, '')) !== undefined
  );
}
