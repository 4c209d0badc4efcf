import type { Registry } from 'prom-client';
import type { EventBus, EventSubscription } from '../../events/event-bus.js';
import type { EventSeverity, SecurityEvent } from '../../events/security-event.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import type { HotStore, Unsubscribe } from '../../storage/hot-state.js';
import type { ChannelCatalog } from '../channels/channel-catalog.js';
import type { ChannelDispatcher } from '../channels/dispatcher.js';
import type { JobRunner } from '../core/job-tracker.js';
import { type ClusterEventCounts, clusterEventMetric } from './cluster-event-counts.js';
import {
  aggregateMetric,
  aggregateSignals,
  alertFingerprint,
  compare,
  labelsMatch,
  pickLabels,
  type Sample,
} from './core/aggregation.js';
import { newAlertInstance, stepAlert } from './core/alert-lifecycle.js';
import type {
  AlertInstance,
  AlertNotification,
  AlertRule,
  AlertSeverity,
  Silence,
} from './core/alert-rule.js';
import { SignalWindow } from './core/signal-window.js';
import { isSilenced } from './core/silences.js';
import type { AlertStore } from './store.js';

const leaseKey = 'alerts:leader';
const signalChannel = 'alerts:signals';

export interface AlertManagerOptions {
  store: AlertStore;
  /** Every rule, config and API. */
  rules: () => Promise<readonly AlertRule[]>;
  channels: ChannelCatalog;
  dispatcher: ChannelDispatcher;
  events: EventBus;
  hot: HotStore;
  /** This instance's metrics; metric rules read it (absent: metric rules stay inactive). */
  registry?: Registry;
  /** Security events counted for the whole cluster: rules over that metric read these. */
  clusterCounts?: Pick<ClusterEventCounts, 'read'>;
  nodeId: string;
  intervalMs: number;
  /** Days of history and delivery records kept (0: all); pruned hourly by the leader. */
  historyRetentionDays?: number;
  onError: (error: unknown, task: string) => void;
  /** Counts each evaluation tick as an `alert_evaluation` job. */
  jobs?: JobRunner;
  now?: () => number;
}

const eventSeverity: Record<AlertSeverity, EventSeverity> = {
  low: 'notice',
  medium: 'warning',
  high: 'warning',
  critical: 'critical',
};

/**
 * Evaluates alert rules on the one node holding the `alerts:leader` lease. Every change
 * of an alert is written with a version check before anything is sent, so a node that
 * just lost the lease (or a new leader reading the same state) never notifies twice.
 * Detector signals reach every node over pub/sub, so any node can take over with the
 * same window; a signal triggers an evaluation at once.
 */
export class AlertManager {
  readonly #o: AlertManagerOptions;
  readonly #now: () => number;
  readonly #signals = new SignalWindow();
  readonly #series = new Map<string, Sample[]>();
  readonly #lastEvaluation = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #subscription: EventSubscription | undefined;
  #unsubscribe: Unsubscribe | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #leader = false;
  #prunedAt = 0;
  #orphans = new Set<string>();
  #closed = false;

  constructor(options: AlertManagerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#o.hot.pubsub.subscribe(signalChannel, (message) =>
      this.#receiveSignal(message),
    );
    this.#subscription = this.#o.events.subscribe('alerts', (event) => this.#forwardSignal(event));
    this.#timer = setInterval(() => this.trigger(), this.#o.intervalMs);
    this.#timer.unref();
    this.trigger();
  }

  /** Runs an evaluation soon (at most one at a time; a request during one runs after it). */
  trigger(): void {
    if (this.#closed) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    const tick = () => this.#tick();
    this.#running = (this.#o.jobs ? this.#o.jobs.track('alert_evaluation', tick) : tick())
      .catch((error: unknown) => this.#o.onError(error, 'alert evaluation'))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.trigger();
        }
      });
  }

  /** Waits for the running evaluation, if any (tests). */
  async settled(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#subscription?.unsubscribe();
    await this.#unsubscribe?.().catch(() => {});
    await this.settled();
    if (this.#leader) await this.#o.hot.leases.release(leaseKey, this.#o.nodeId).catch(() => {});
    this.#leader = false;
    await this.#o.dispatcher.drain();
  }

  #forwardSignal(event: SecurityEvent): Promise<void> | undefined {
    if (event.type !== 'detector.signal') return undefined;
    const d = event.details as {
      detector?: unknown;
      severity?: unknown;
      key?: unknown;
      evidence?: unknown;
    };
    const numbers: Record<string, number> = {};
    if (d.evidence && typeof d.evidence === 'object') {
      for (const [k, v] of Object.entries(d.evidence as Record<string, unknown>))
        if (typeof v === 'number' && Number.isFinite(v)) numbers[k] = v;
    }
    const message = JSON.stringify({
      time: event.time,
      labels: {
        detector: String(d.detector ?? ''),
        severity: String(d.severity ?? ''),
        key: String(d.key ?? ''),
      },
      numbers,
    });
    return this.#o.hot.pubsub.publish(signalChannel, message);
  }

  #receiveSignal(message: string): void {
    try {
      const entry = JSON.parse(message) as {
        time: number;
        labels: Record<string, string>;
        numbers: Record<string, number>;
      };
      this.#signals.add(entry);
    } catch {
      return;
    }
    if (this.#leader) this.trigger();
  }

  async #tick(): Promise<void> {
    const ttl = Math.max(this.#o.intervalMs * 3, 1000);
    // A hot store that fails means no lease: stop evaluating rather than risk two leaders.
    this.#leader = await this.#o.hot.leases
      .acquire(leaseKey, this.#o.nodeId, ttl)
      .catch((error: unknown) => {
        this.#o.onError(error, 'alert leader lease');
        return false;
      });
    if (!this.#leader || this.#closed) return;
    await this.evaluate();
    const days = this.#o.historyRetentionDays ?? 0;
    const now = this.#now();
    if (days > 0 && now - this.#prunedAt >= 3_600_000) {
      this.#prunedAt = now;
      await this.#o.store.pruneHistory(now - days * 86_400_000);
    }
  }

  /** One evaluation of every rule (callers hold the lease). */
  async evaluate(): Promise<void> {
    const now = this.#now();
    const [rules, silences, stored] = await Promise.all([
      this.#o.rules(),
      this.#o.store.listSilences(),
      this.#o.store.listInstances(),
      this.#o.channels.refresh(),
    ]);
    const instances = new Map(stored.map((i) => [i.fingerprint, i]));
    let longestWindow = 0;
    const live = new Set<string>();
    for (const rule of rules) {
      if (!rule.enabled) continue;
      live.add(rule.id);
      longestWindow = Math.max(longestWindow, rule.window * 1000);
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
      for (const [fingerprint, group] of groups) {
        await this.#evaluateAlert(
          rule,
          fingerprint,
          group,
          instances.get(fingerprint),
          silences,
          now,
        );
      }
    }
    this.#signals.prune(now - longestWindow);
    const orphans = new Set<string>();
    for (const instance of stored) {
      // A rule deleted or disabled: its alerts are forgotten, on the second evaluation
      // that sees them, so the API node deleting a firing rule (which sends its resolved
      // notification) claims them first.
      if (live.has(instance.ruleId)) continue;
      orphans.add(instance.fingerprint);
      if (this.#orphans.has(instance.fingerprint))
        await this.#o.store.deleteInstance(instance.fingerprint, instance.version);
    }
    this.#orphans = orphans;
    for (const key of this.#series.keys())
      if (!live.has(key.slice(0, key.indexOf('|')))) this.#series.delete(key);
  }

  async #evaluateAlert(
    rule: AlertRule,
    fingerprint: string,
    group: { labels: Readonly<Record<string, string>>; value: number | undefined },
    stored: AlertInstance | undefined,
    silences: readonly Silence[],
    now: number,
  ): Promise<void> {
    const active = group.value !== undefined && compare(rule.operator, group.value, rule.threshold);
    if (!active && !stored) return;
    const previous = stored ?? newAlertInstance(fingerprint, rule.id, group.labels);
    // The labels the rule selects on are the same for every alert of it: they name what
    // the alert is about (a signal's detector, with its key from groupBy, finds its incident).
    const labels = {
      ...rule.labels,
      ...(rule.signal?.labels ?? rule.metric?.labels ?? {}),
      ...group.labels,
      alertname: rule.name,
      severity: rule.severity,
    };
    const silenced = isSilenced(silences, labels, now);
    const step = stepAlert(rule, previous, { active, value: group.value ?? 0, now, silenced });
    if (step.next === undefined) {
      if (stored) await this.#o.store.deleteInstance(fingerprint, stored.version);
      return;
    }
    if (step.next === previous) return;
    const next = { ...step.next, labels };
    // The write decides: if another node wrote this alert since we read it, it notified.
    if (!(await this.#o.store.saveInstance(next))) return;
    if (step.transition) {
      await this.#o.store.appendHistory({
        id: uuidv7(now),
        fingerprint,
        ruleId: rule.id,
        ruleName: rule.name,
        severity: rule.severity,
        labels,
        state: step.transition,
        value: next.value,
        silenced,
        notified: step.notify !== undefined,
        time: now,
      });
    }
    if (step.notify) {
      const notification: AlertNotification = {
        id: uuidv7(now),
        status: step.notify,
        fingerprint,
        ruleId: rule.id,
        ruleName: rule.name,
        severity: rule.severity,
        labels,
        annotations: rule.annotations,
        value: next.value,
        threshold: rule.threshold,
        startsAt: previous.activeSince ?? next.activeSince ?? now,
        endsAt: step.notify === 'resolved' ? now : null,
      };
      this.#o.dispatcher.dispatch(notification, this.#o.channels.targets(rule.channels));
    }
    if (step.transition === 'firing' || step.transition === 'resolved') {
      await this.#o.events.publish({
        type: step.transition === 'firing' ? 'alert.firing' : 'alert.resolved',
        outcome: 'success',
        severity: step.transition === 'firing' ? eventSeverity[rule.severity] : 'notice',
        actor: { kind: 'system' },
        target: { type: 'alert', id: fingerprint },
        details: {
          ruleId: rule.id,
          rule: rule.name,
          severity: rule.severity,
          labels,
          value: next.value,
          threshold: rule.threshold,
          silenced,
          notified: step.notify !== undefined,
        },
      });
    }
  }

  async #groupValues(
    rule: AlertRule,
    now: number,
  ): Promise<Map<string, { labels: Record<string, string>; value: number | undefined }>> {
    const out = new Map<string, { labels: Record<string, string>; value: number | undefined }>();
    const windowMs = rule.window * 1000;
    if (rule.signal) {
      const byGroup = new Map<string, { labels: Record<string, string>; values: number[] }>();
      const field = rule.signal.field ?? 'count';
      for (const entry of this.#signals.query(rule.signal.labels, now - windowMs)) {
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
    if (!rule.metric) return out;
    const cluster = rule.metric.name === clusterEventMetric ? this.#o.clusterCounts : undefined;
    if (!cluster && !this.#o.registry) return out;
    const sums = cluster
      ? await cluster.read(rule.metric.labels, rule.groupBy)
      : await readMetric(
          this.#o.registry as Registry,
          rule.metric.name,
          rule.metric.labels,
          rule.groupBy,
        );
    const previousEvaluation = this.#lastEvaluation.get(rule.id);
    this.#lastEvaluation.set(rule.id, now);
    for (const [, g] of sums) {
      const fp = alertFingerprint(rule.id, g.labels);
      const key = `${rule.id}|${fp}`;
      // A series that appeared since the last evaluation counted from 0 (a counter's
      // first increments would otherwise be invisible to count and rate).
      const samples =
        this.#series.get(key) ??
        (previousEvaluation === undefined ? [] : [{ time: previousEvaluation, value: 0 }]);
      samples.push({ time: now, value: g.value });
      while (samples.length > 1 && (samples[0] as Sample).time < now - windowMs) samples.shift();
      this.#series.set(key, samples);
      out.set(fp, { labels: g.labels, value: aggregateMetric(rule.aggregation, samples) });
    }
    return out;
  }
}

/**
 * The sum of the series of `name` whose labels match `want`, per value set of `groupBy`.
 * A histogram or summary is read by its sample names (`…_count`, `…_sum`, `…_bucket`).
 */
export async function readMetric(
  registry: Registry,
  name: string,
  want: Readonly<Record<string, string>>,
  groupBy: readonly string[],
): Promise<Map<string, { labels: Record<string, string>; value: number }>> {
  const base = registry.getSingleMetric(name) ? name : name.replace(/_(count|sum|bucket)$/, '');
  const metric = registry.getSingleMetric(base);
  const out = new Map<string, { labels: Record<string, string>; value: number }>();
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
