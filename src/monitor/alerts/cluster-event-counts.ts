import type { EventBus, EventSubscription } from '../../events/event-bus.js';
import {
  type EventOutcome,
  type SecurityEventType,
  securityEventTypes,
} from '../../events/security-event.js';
import type { CounterStore } from '../../storage/hot-state.js';
import { labelsMatch, pickLabels } from './core/aggregation.js';

/** The metric whose alert rules read the cluster's counts instead of one node's. */
export const clusterEventMetric = 'rampart_security_events_total';

const outcomes: readonly EventOutcome[] = ['success', 'failure', 'denied'];
const keyOf = (type: string, outcome: string) => `alerts:events:${type}:${outcome}`;
// Cumulative counters: they must outlive any rule window; the hot store needs a bound.
const lifetimeMs = 10 * 365 * 86_400_000;

export interface ClusterEventCountsOptions {
  events: EventBus;
  counters: CounterStore;
  /** How often this node adds what it counted to the shared counters. */
  flushMs: number;
  onError: (error: unknown) => void;
}

/**
 * Security events counted for the whole cluster, by type and outcome, in the hot store
 * every node shares: each node counts in memory and adds its counts every `flushMs` (one
 * write per type seen, not one per event), and the evaluating node reads the sums. So a
 * rule over `rampart_security_events_total` sees every node's events, not only its own.
 *
 * @example
 * const counts = new ClusterEventCounts({ events, counters: hot.counters, flushMs: 1000, onError });
 * counts.start();
 * await counts.read({ type: 'auth.login.failed' }, []); // Map of group → cluster total
 */
export class ClusterEventCounts {
  readonly #o: ClusterEventCountsOptions;
  readonly #pending = new Map<string, number>();
  #subscription: EventSubscription | undefined;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(options: ClusterEventCountsOptions) {
    this.#o = options;
  }

  start(): void {
    this.#subscription = this.#o.events.subscribe('alerts-cluster-counts', (event) => {
      const key = keyOf(event.type, event.outcome);
      this.#pending.set(key, (this.#pending.get(key) ?? 0) + 1);
      return undefined;
    });
    this.#timer = setInterval(() => void this.flush(), this.#o.flushMs);
    this.#timer.unref();
  }

  /** Adds what this node counted since the last flush to the shared counters. */
  flush(): Promise<void> {
    const batch = [...this.#pending];
    this.#pending.clear();
    this.#flushing = this.#flushing.then(async () => {
      for (const [key, n] of batch) {
        await this.#o.counters.increment(key, lifetimeMs, n).catch((error: unknown) => {
          // Kept for the next flush rather than lost.
          this.#pending.set(key, (this.#pending.get(key) ?? 0) + n);
          this.#o.onError(error);
        });
      }
    });
    return this.#flushing;
  }

  async close(): Promise<void> {
    this.#subscription?.unsubscribe();
    clearInterval(this.#timer);
    await this.flush();
  }

  /**
   * The cluster totals of the series matching `want` (labels `type`, `outcome`), summed
   * per value set of `groupBy` — the shape `readMetric` gives for one node's registry.
   */
  async read(
    want: Readonly<Record<string, string>>,
    groupBy: readonly string[],
  ): Promise<Map<string, { labels: Record<string, string>; value: number }>> {
    const types = want.type
      ? [want.type]
      : (Object.keys(securityEventTypes) as SecurityEventType[]);
    const out = new Map<string, { labels: Record<string, string>; value: number }>();
    const reads: Promise<void>[] = [];
    for (const type of types) {
      for (const outcome of outcomes) {
        const labels = { type, outcome };
        if (!labelsMatch(labels, want)) continue;
        reads.push(
          this.#o.counters.get(keyOf(type, outcome)).then((value) => {
            if (value === 0) return;
            const picked = pickLabels(labels, groupBy);
            const key = JSON.stringify(picked);
            const g = out.get(key);
            if (g) g.value += value;
            else out.set(key, { labels: picked, value });
          }),
        );
      }
    }
    await Promise.all(reads);
    return out;
  }
}
