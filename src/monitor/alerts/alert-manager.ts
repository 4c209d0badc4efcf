import type { Registry } from 'prom-client';
import type { EventBus, EventSubscription } from '../../events/event-bus.js';
import type { SecurityEvent } from '../../events/security-event.js';
import type { HotStore, Unsubscribe } from '../../storage/hot-state.js';
import type { ChannelCatalog } from '../channels/channel-catalog.js';
import type { ChannelDispatcher } from '../channels/dispatcher.js';
import type { JobRunner } from '../core/job-tracker.js';
import { AlertEvaluator } from './alert-evaluator.js';
import type { ClusterEventCounts } from './cluster-event-counts.js';
import type { ClusterMetricSnapshots } from './cluster-metric-snapshots.js';
import type { AlertRule } from './core/alert-rule.js';
import { SignalWindow } from './core/signal-window.js';
import type { NotificationOutbox } from './notification-outbox.js';
import type { AlertStore } from './store.js';

const leaseKey = 'alerts:leader';
const signalChannel = 'alerts:signals';

export interface AlertManagerOptions {
  store: AlertStore;
  /** Every rule, config and API. */
  rules: () => Promise<readonly AlertRule[]>;
  channels: ChannelCatalog;
  dispatcher: ChannelDispatcher;
  /** Notifications are written here before they are sent; the leader resumes what is left. */
  outbox: NotificationOutbox;
  events: EventBus;
  hot: HotStore;
  /** This instance's metrics; metric rules read it (absent: metric rules stay inactive). */
  registry?: Registry;
  /** Security events counted for the whole cluster: rules over that metric read these. */
  clusterCounts?: Pick<ClusterEventCounts, 'read'>;
  /** Every live node's metrics (a cluster); absent: metric rules read `registry` alone. */
  clusterMetrics?: Pick<ClusterMetricSnapshots, 'read'>;
  nodeId: string;
  intervalMs: number;
  /** Days of history and delivery records kept (0: all); pruned hourly by the leader. */
  historyRetentionDays?: number;
  onError: (error: unknown, task: string) => void;
  /** Counts each evaluation tick as an `alert_evaluation` job. */
  jobs?: JobRunner;
  now?: () => number;
}

/**
 * Runs the alert evaluation on the one node holding the `alerts:leader` lease, and there
 * resumes the notifications left pending in the outbox (by a node that died mid-delivery).
 * Every change of an alert is written with a version check before anything is sent (see
 * `evaluateAlert`), so a node that just lost the lease never notifies twice. Detector
 * signals reach every node over pub/sub, so any node can take over with the same window;
 * a signal triggers an evaluation at once.
 */
export class AlertManager {
  readonly #o: AlertManagerOptions;
  readonly #now: () => number;
  readonly #signals = new SignalWindow();
  readonly #evaluator: AlertEvaluator;
  #timer: NodeJS.Timeout | undefined;
  #subscription: EventSubscription | undefined;
  #unsubscribe: Unsubscribe | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #leader = false;
  #prunedAt = 0;
  #closed = false;

  constructor(options: AlertManagerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#evaluator = new AlertEvaluator({
      store: options.store,
      outbox: options.outbox,
      events: options.events,
      rules: options.rules,
      channels: options.channels,
      signals: this.#signals,
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.clusterCounts ? { clusterCounts: options.clusterCounts } : {}),
      ...(options.clusterMetrics ? { clusterMetrics: options.clusterMetrics } : {}),
    });
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
    // Notifications left by a dead node go out even while evaluation keeps failing.
    await this.evaluate().catch((error: unknown) => this.#o.onError(error, 'alert evaluation'));
    await this.#o.outbox.resume();
    const now = this.#now();
    if (now - this.#prunedAt < 3_600_000) return;
    this.#prunedAt = now;
    // The outbox is a queue (the deliveries table is the record): finished rows go after a day.
    await this.#o.store.pruneOutbox(now - 86_400_000);
    const days = this.#o.historyRetentionDays ?? 0;
    if (days > 0) await this.#o.store.pruneHistory(now - days * 86_400_000);
  }

  /** One evaluation of every rule (callers hold the lease). */
  evaluate(): Promise<void> {
    return this.#evaluator.evaluate(this.#now());
  }
}
