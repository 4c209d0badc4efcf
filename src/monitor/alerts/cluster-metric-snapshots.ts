import type { Registry } from 'prom-client';
import type { PubSub, Unsubscribe } from '../../storage/hot-state.js';
import { clusterEventMetric } from './cluster-event-counts.js';
import type { AlertRule } from './core/alert-rule.js';
import { type MetricGroups, readMetric } from './read-metric.js';

const snapshotChannel = 'alerts:metrics';

/** One node's values of one rule's metric. */
export interface NodeMetricGroups {
  node: string;
  groups: MetricGroups;
}

interface Snapshot {
  node: string;
  /** Rule id → [group labels, value] of each group. */
  rules: Record<string, [Record<string, string>, number][]>;
}

export interface ClusterMetricSnapshotsOptions {
  pubsub: PubSub;
  registry: Registry;
  /** Every rule; the enabled metric rules name what each node publishes. */
  rules: () => Promise<readonly AlertRule[]>;
  nodeId: string;
  /** How often this node publishes its snapshot. */
  intervalMs: number;
  /** A node's snapshot counts this long after it arrived (then the node is gone). */
  ttlMs: number;
  onError: (error: unknown) => void;
  now?: () => number;
}

/** Whether a rule reads one node's registry (not the cluster's security-event counts). */
export function readsRegistry(rule: AlertRule): boolean {
  return rule.enabled && rule.metric !== undefined && rule.metric.name !== clusterEventMetric;
}

/**
 * Metric rules over the whole cluster. Every node publishes, on an interval, a compact
 * snapshot of what the rules need from its own registry — per metric rule, the summed
 * value of each group — over the hot store's pub/sub; every node keeps the last snapshot
 * of each other node for `ttlMs`, so whichever node leads next already has them. The
 * evaluating node reads its own registry live and the others' snapshots.
 *
 * Pub/sub rather than keys: the hot store has no way to list keys, and a snapshot lost in
 * transit is replaced by the next one; a node that stops publishing ages out after `ttlMs`.
 *
 * @example
 * const snapshots = new ClusterMetricSnapshots({ pubsub, registry, rules, nodeId, intervalMs: 1000, ttlMs: 3000, onError });
 * await snapshots.start();
 * await snapshots.read(rule); // [{ node, groups }, …] for this node and every live other
 */
export class ClusterMetricSnapshots {
  readonly #o: ClusterMetricSnapshotsOptions;
  readonly #now: () => number;
  readonly #remote = new Map<string, { at: number; snapshot: Snapshot }>();
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: Unsubscribe | undefined;
  #publishing: Promise<void> | undefined;

  constructor(options: ClusterMetricSnapshotsOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#o.pubsub.subscribe(snapshotChannel, (message) =>
      this.#receive(message),
    );
    this.#timer = setInterval(() => {
      this.#publishing ??= this.publish()
        .catch((error: unknown) => this.#o.onError(error))
        .finally(() => {
          this.#publishing = undefined;
        });
    }, this.#o.intervalMs);
    this.#timer.unref();
  }

  /** Publishes this node's snapshot now. */
  async publish(): Promise<void> {
    const rules: Snapshot['rules'] = {};
    for (const rule of await this.#o.rules()) {
      if (!readsRegistry(rule) || !rule.metric) continue;
      const groups = await readMetric(
        this.#o.registry,
        rule.metric.name,
        rule.metric.labels,
        rule.groupBy,
      );
      rules[rule.id] = [...groups.values()].map((g) => [g.labels, g.value]);
    }
    const snapshot: Snapshot = { node: this.#o.nodeId, rules };
    await this.#o.pubsub.publish(snapshotChannel, JSON.stringify(snapshot));
  }

  /** This node's values (read live) and the last values of every other live node. */
  async read(rule: AlertRule): Promise<NodeMetricGroups[]> {
    const out: NodeMetricGroups[] = [];
    if (rule.metric)
      out.push({
        node: this.#o.nodeId,
        groups: await readMetric(
          this.#o.registry,
          rule.metric.name,
          rule.metric.labels,
          rule.groupBy,
        ),
      });
    const oldest = this.#now() - this.#o.ttlMs;
    for (const [node, { at, snapshot }] of this.#remote) {
      if (at < oldest) {
        this.#remote.delete(node);
        continue;
      }
      const entries = snapshot.rules[rule.id];
      if (!entries) continue;
      const groups: MetricGroups = new Map();
      for (const [labels, value] of entries) groups.set(JSON.stringify(labels), { labels, value });
      out.push({ node, groups });
    }
    return out;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#unsubscribe?.().catch(() => {});
    await this.#publishing;
  }

  #receive(message: string): void {
    let snapshot: Snapshot;
    try {
      snapshot = JSON.parse(message) as Snapshot;
    } catch {
      return;
    }
    if (typeof snapshot?.node !== 'string' || snapshot.node === this.#o.nodeId) return;
    if (typeof snapshot.rules !== 'object' || snapshot.rules === null) return;
    this.#remote.set(snapshot.node, { at: this.#now(), snapshot });
  }
}
