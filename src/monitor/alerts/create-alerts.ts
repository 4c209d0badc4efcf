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
  const service = new AlertService({
    store,
    configRules: config.alerts.rules,
    catalog,
    dispatcher,
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
  const manager = new AlertManager({
    clusterCounts,
    store,
    rules: () => service.rules(),
    channels: catalog,
    dispatcher,
    events,
    hot: options.hot,
    ...(options.registry ? { registry: options.registry } : {}),
    nodeId: randomUUID(),
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
      await manager.start();
    },
    close: async () => {
      await clusterCounts.close();
      await manager.close();
    },
  };
}
