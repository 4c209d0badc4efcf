import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { RampartConfig } from '../../config/schema.js';
import type { EventBus } from '../../events/event-bus.js';
import type { Mailer } from '../../mail/mailer.js';
import type { HotStore } from '../../storage/hot-state.js';
import { ChannelCatalog } from '../channels/channel-catalog.js';
import { ChannelDispatcher } from '../channels/dispatcher.js';
import type { JobTracker } from '../core/job-tracker.js';
import { AlertManager } from './alert-manager.js';
import { AlertService } from './alert-service.js';
import { ClusterEventCounts } from './cluster-event-counts.js';
import { ClusterMetricSnapshots } from './cluster-metric-snapshots.js';
import { NotificationOutbox } from './notification-outbox.js';
import type { AlertStore } from './store.js';

export interface AlertsOptions {
  config: Pick<RampartConfig, 'alerts' | 'publicUrl'>;
  store: AlertStore;
  events: EventBus;
  hot: HotStore;
  mailer: Mailer;
  registry?: Registry;
  /** Counts evaluations and deliveries as jobs. */
  jobs?: JobTracker;
  onError: (error: unknown, task: string) => void;
  now?: () => number;
}

export interface Alerts {
  readonly service: AlertService;
  readonly manager: AlertManager;
  readonly dispatcher: ChannelDispatcher;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The alert manager of one node: config and API rules and channels, the dispatcher that
 * delivers with retries and a breaker per channel, and the evaluator that runs while this
 * node holds the leader lease. Invalid config rules or channels throw here (at start).
 */
export function createAlerts(options: AlertsOptions): Alerts {
  const { config, store, events } = options;
  const d = config.alerts.delivery;
  const nodeId = randomUUID();
  const dispatcher = new ChannelDispatcher({
    attempts: d.attempts,
    timeoutMs: d.timeoutMs,
    baseDelayMs: d.backoffMs,
    maxDelayMs: d.maxBackoffMs,
    breakerFailures: d.circuitFailures,
    breakerOpenMs: d.circuitOpenDuration * 1000,
    record: (delivery) => store.recordDelivery(delivery),
    onFailed: (delivery) => {
      events
        .publish({
          type: 'alert.notification.failed',
          outcome: 'failure',
          actor: { kind: 'system' },
          target: { type: 'alert_channel', id: delivery.channel },
          details: {
            channel: delivery.channel,
            fingerprint: delivery.fingerprint,
            status: delivery.status,
            outcome: delivery.outcome,
            attempts: delivery.attempts,
            error: delivery.error,
          },
        })
        .catch((error: unknown) => options.onError(error, 'alert.notification.failed event'));
    },
    onError: (error) => options.onError(error, 'alert delivery'),
    ...(options.jobs ? { jobs: options.jobs } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const catalog = new ChannelCatalog({
    config: config.alerts.channels,
    store,
    mailer: options.mailer,
    generatorUrl: `${config.publicUrl.replace(/\/+$/, '')}/v1/alerts`,
  });
  const outbox = new NotificationOutbox({
    store,
    catalog,
    dispatcher,
    nodeId,
    // A short lease renewed while the run lasts, so a dead node's rows go out again soon;
    // never longer than one whole run (every attempt timing out, every backoff at its
    // ceiling), which the claim used to last.
    leaseMs: Math.min(10_000, d.attempts * d.timeoutMs + (d.attempts - 1) * d.maxBackoffMs + 1000),
    onError: options.onError,
    ...(options.now ? { now: options.now } : {}),
  });
  const service = new AlertService({
    store,
    configRules: config.alerts.rules,
    catalog,
    dispatcher,
    outbox,
    events,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  // Every node counts its events into the shared hot store; the leader's rules read them.
  const clusterCounts = new ClusterEventCounts({
    events,
    counters: options.hot.counters,
    flushMs: Math.min(1000, config.alerts.evaluationIntervalMs),
    onError: (error) => options.onError(error, 'alert event counts'),
  });
  // In a cluster every node publishes what the metric rules need from its registry; one
  // node alone (memory hot store) reads its registry directly, as before.
  const publishMs = Math.min(1000, config.alerts.evaluationIntervalMs);
  const clusterMetrics =
    options.hot.kind === 'redis' && options.registry
      ? new ClusterMetricSnapshots({
          pubsub: options.hot.pubsub,
          registry: options.registry,
          rules: () => service.rules(),
          nodeId,
          intervalMs: publishMs,
          ttlMs: Math.max(3 * publishMs, 3000),
          onError: (error) => options.onError(error, 'alert metric snapshot'),
        })
      : undefined;
  const manager = new AlertManager({
    clusterCounts,
    ...(clusterMetrics ? { clusterMetrics } : {}),
    outbox,
    store,
    rules: () => service.rules(),
    channels: catalog,
    dispatcher,
    events,
    hot: options.hot,
    ...(options.registry ? { registry: options.registry } : {}),
    nodeId,
    intervalMs: config.alerts.evaluationIntervalMs,
    historyRetentionDays: config.alerts.historyRetentionDays,
    onError: options.onError,
    ...(options.jobs ? { jobs: options.jobs } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    service,
    manager,
    dispatcher,
    start: async () => {
      if (!config.alerts.enabled) return;
      clusterCounts.start();
      await clusterMetrics?.start();
      await manager.start();
    },
    close: async () => {
      await clusterCounts.close();
      await clusterMetrics?.close();
      await manager.close();
      outbox.close();
    },
  };
}
