import type { Registry } from 'prom-client';
import type { ChannelCatalog } from '../channels/channel-catalog.js';
import { evaluateAlert, type GroupValue, type TransitionContext } from './alert-transitions.js';
import { type ClusterEventCounts, clusterEventMetric } from './cluster-event-counts.js';
import type { ClusterMetricSnapshots, NodeMetricGroups } from './cluster-metric-snapshots.js';
import {
  aggregateMetric,
  aggregateSignals,
  alertFingerprint,
  combineNodes,
  pickLabels,
  type Sample,
} from './core/aggregation.js';
import type { AlertInstance, AlertRule, Silence } from './core/alert-rule.js';
import type { SignalWindow } from './core/signal-window.js';
import { readMetric } from './read-metric.js';

export interface AlertEvaluatorOptions extends TransitionContext {
  /** Every rule, config and API. */
  rules: () => Promise<readonly AlertRule[]>;
  channels: ChannelCatalog;
  /** Detector signals of the whole cluster (filled over pub/sub by the manager). */
  signals: SignalWindow;
  /** This instance's metrics (absent: metric rules stay inactive). */
  registry?: Registry;
  /** Security events counted for the whole cluster: rules over that metric read these. */
  clusterCounts?: Pick<ClusterEventCounts, 'read'>;
  /** Every live node's metrics (a cluster); absent: this node's registry alone. */
  clusterMetrics?: Pick<ClusterMetricSnapshots, 'read'>;
}

/**
 * One evaluation of every rule: the value of each of its groups (signals in the window,
 * or a metric sampled once per evaluation per node), then each alert's state change.
 * Metric samples are kept per node and aggregated per node first, so a counter of a node
 * that joins or leaves is never mistaken for a reset of the cluster's sum.
 */
export class AlertEvaluator {
  readonly #o: AlertEvaluatorOptions;
  /** Rule id → `fingerprint|node` → samples in the window. */
  readonly #series = new Map<string, Map<string, Sample[]>>();
  readonly #lastEvaluation = new Map<string, number>();
  #orphans = new Set<string>();

  constructor(options: AlertEvaluatorOptions) {
    this.#o = options;
  }

  async evaluate(now: number): Promise<void> {
    const [rules, silences, stored] = await Promise.all([
      this.#o.rules(),
      this.#o.store.listSilences(),
      this.#o.store.listInstances(),
      this.#o.channels.refresh(),
    ]);
    const instances = new Map(stored.map((i) => [i.fingerprint, i]));
    let longestWindow = 0;
    const live = new Set<string>();
    const failed: { ruleId: string; error: unknown }[] = [];
    for (const rule of rules) {
      if (!rule.enabled) continue;
      live.add(rule.id);
      longestWindow = Math.max(longestWindow, rule.window * 1000);
      // One rule that cannot be read (a metric source or the hot store failing) does not
      // hold up the others: its alerts keep their state until it can be read again.
      try {
        await this.#evaluateRule(rule, stored, instances, silences, now);
      } catch (error) {
        failed.push({ ruleId: rule.id, error });
      }
    }
    this.#o.signals.prune(now - longestWindow);
    const orphans = new Set<string>();
    for (const instance of stored) {
      // A rule deleted or disabled: its alerts are forgotten, on the second evaluation
      // that sees them, so the API node deleting or disabling a firing rule (which sends
      // its resolved notification) claims them first.
      if (live.has(instance.ruleId)) continue;
      orphans.add(instance.fingerprint);
      if (this.#orphans.has(instance.fingerprint))
        await this.#o.store.deleteInstance(instance.fingerprint, instance.version);
    }
    this.#orphans = orphans;
    for (const ruleId of this.#series.keys()) if (!live.has(ruleId)) this.#series.delete(ruleId);
    if (failed.length > 0) {
      throw new AggregateError(
        failed.map((f) => f.error),
        `alert rules not evaluated: ${failed.map((f) => f.ruleId).join(', ')}`,
      );
    }
  }

  async #evaluateRule(
    rule: AlertRule,
    stored: readonly AlertInstance[],
    instances: ReadonlyMap<string, AlertInstance>,
    silences: readonly Silence[],
    now: number,
  ): Promise<void> {
    const groups = await this.#groupValues(rule, now);
    for (const instance of stored) {
      if (instance.ruleId === rule.id && !groups.has(instance.fingerprint)) {
        const idle =
          rule.signal && (rule.aggregation === 'count' || rule.aggregation === 'rate')
            ? 0
            : undefined;
        groups.set(instance.fingerprint, { labels: instance.labels, value: idle });
      }
    }
    for (const [fingerprint, group] of groups)
      await evaluateAlert(
        this.#o,
        rule,
        fingerprint,
        group,
        instances.get(fingerprint),
        silences,
        now,
      );
  }

  async #groupValues(rule: AlertRule, now: number): Promise<Map<string, GroupValue>> {
    if (rule.signal) return this.#signalGroups(rule, now);
    const out = new Map<string, GroupValue>();
    if (!rule.metric) return out;
    const nodes = await this.#readNodes(rule);
    if (nodes === undefined) return out;
    const windowMs = rule.window * 1000;
    const previousEvaluation = this.#lastEvaluation.get(rule.id);
    this.#lastEvaluation.set(rule.id, now);
    let series = this.#series.get(rule.id);
    if (!series) {
      series = new Map();
      this.#series.set(rule.id, series);
    }
    const seen = new Map<string, Record<string, string>>();
    for (const { node, groups } of nodes) {
      for (const g of groups.values()) {
        const fp = alertFingerprint(rule.id, g.labels);
        seen.set(fp, g.labels);
        const key = `${fp}|${node}`;
        // A series that appeared since the last evaluation counted from 0 (a counter's
        // first increments would otherwise be invisible to count and rate).
        const samples =
          series.get(key) ??
          (previousEvaluation === undefined ? [] : [{ time: previousEvaluation, value: 0 }]);
        samples.push({ time: now, value: g.value });
        while (samples.length > 1 && (samples[0] as Sample).time < now - windowMs) samples.shift();
        series.set(key, samples);
      }
    }
    const perGroup = new Map<string, number[]>();
    for (const [key, samples] of series) {
      // A node gone (no sample in the window) no longer counts.
      if ((samples.at(-1) as Sample).time < now - windowMs) {
        series.delete(key);
        continue;
      }
      const fp = key.slice(0, key.indexOf('|'));
      if (!seen.has(fp)) continue;
      const value = aggregateMetric(rule.aggregation, samples);
      if (value === undefined) continue;
      const values = perGroup.get(fp);
      if (values) values.push(value);
      else perGroup.set(fp, [value]);
    }
    for (const [fp, values] of perGroup)
      out.set(fp, {
        labels: seen.get(fp) as Record<string, string>,
        value: combineNodes(rule.aggregation, values),
      });
    return out;
  }

  /** The rule's metric per node; undefined when nothing can be read. */
  async #readNodes(rule: AlertRule): Promise<NodeMetricGroups[] | undefined> {
    const metric = rule.metric;
    if (!metric) return undefined;
    if (metric.name === clusterEventMetric) {
      if (!this.#o.clusterCounts) return undefined;
      return [
        { node: 'cluster', groups: await this.#o.clusterCounts.read(metric.labels, rule.groupBy) },
      ];
    }
    if (this.#o.clusterMetrics) return this.#o.clusterMetrics.read(rule);
    if (!this.#o.registry) return undefined;
    return [
      {
        node: 'local',
        groups: await readMetric(this.#o.registry, metric.name, metric.labels, rule.groupBy),
      },
    ];
  }

  #signalGroups(rule: AlertRule, now: number): Map<string, GroupValue> {
    const out = new Map<string, GroupValue>();
    const signal = rule.signal;
    if (!signal) return out;
    const byGroup = new Map<string, { labels: Record<string, string>; values: number[] }>();
    const field = signal.field ?? 'count';
    for (const entry of this.#o.signals.query(signal.labels, now - rule.window * 1000)) {
      const labels = pickLabels(entry.labels, rule.groupBy);
      const fp = alertFingerprint(rule.id, labels);
      let g = byGroup.get(fp);
      if (!g) {
        g = { labels, values: [] };
        byGroup.set(fp, g);
      }
      g.values.push(entry.numbers[field] ?? 1);
    }
    for (const [fp, g] of byGroup)
      out.set(fp, {
        labels: g.labels,
        value: aggregateSignals(rule.aggregation, g.values, rule.window),
      });
    return out;
  }
}
