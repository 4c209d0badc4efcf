import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { AuditTrail } from '../../audit/audit-trail.js';
import type { EventBus, EventSubscription } from '../../events/event-bus.js';
import type { GatewayRouteStats } from '../../gateway/gateway-stats.js';
import type { DatabaseHandle } from '../../storage/database.js';
import { type CacheProbe, registerCacheMetrics } from './cache-metrics.js';
import { registerGatewayMetrics } from './gateway-metrics.js';
import { registerHostMetrics } from './host-metrics.js';
import { registerHttpMetrics } from './http-metrics.js';
import { sharedProcessRegistry } from './process-metrics.js';
import { subscribeSecurityEventMetrics } from './security-event-metrics.js';
import { registerAuditMetrics, registerDatabaseMetrics } from './storage-metrics.js';
import {
  registerRateLimitStoreMetrics,
  registerStoreMetrics,
  type StoreProbe,
} from './store-metrics.js';
import { registerSystemMetrics } from './system-metrics.js';

export interface RampartMetricsOptions {
  events: EventBus;
  stores: readonly StoreProbe[];
  dataDir: string;
  /** The rate-limit store's kind and whether it is degraded (absent: rate limits off). */
  rateLimitStore?: { kind: string; degraded: () => boolean };
  /** In-memory caches to report on. */
  caches?: readonly CacheProbe[];
  /** The gateway's per-route counters (absent: no gateway metrics). */
  gatewayStats?: () => readonly GatewayRouteStats[];
  /** The database whose queries and pool are measured. */
  database?: DatabaseHandle;
  /** The audit trail whose writer is measured. */
  audit?: AuditTrail;
}

export interface RampartMetrics {
  /** This instance's registry (not prom-client's global one). */
  readonly registry: Registry;
  /** The Prometheus text exposition content type. */
  readonly contentType: string;
  /** Every metric of this instance and of the process, in the text exposition format. */
  render(): Promise<string>;
  /** Counts the requests of this server (call once, before the other hooks). */
  instrument(app: FastifyInstance): void;
  /** Stops counting events. */
  close(): void;
}

/**
 * One registry per Rampart instance: HTTP, security events, tokens, stores and system,
 * plus the process metrics shared by every instance in the process.
 *
 * @example
 * const metrics = createRampartMetrics({ events, stores: [], dataDir: './data' });
 * metrics.instrument(app);
 * const text = await metrics.render();
 */
export function createRampartMetrics(options: RampartMetricsOptions): RampartMetrics {
  const registry = new Registry();
  const subscription: EventSubscription = subscribeSecurityEventMetrics(options.events, registry);
  registerStoreMetrics(registry, options.stores);
  registerSystemMetrics(registry, options.dataDir);
  registerHostMetrics(registry);
  if (options.rateLimitStore) {
    registerRateLimitStoreMetrics(
      registry,
      options.rateLimitStore.kind,
      options.rateLimitStore.degraded,
    );
  }
  registerCacheMetrics(registry, options.caches ?? []);
  if (options.gatewayStats) registerGatewayMetrics(registry, options.gatewayStats);
  const stops: (() => void)[] = [];
  if (options.database) stops.push(registerDatabaseMetrics(registry, options.database));
  if (options.audit) stops.push(registerAuditMetrics(registry, options.audit));
  return {
    registry,
    contentType: registry.contentType,
    render: () => Registry.merge([registry, sharedProcessRegistry()]).metrics(),
    instrument: (app) => registerHttpMetrics(app, registry),
    close: () => {
      subscription.unsubscribe();
      for (const stop of stops) stop();
    },
  };
}
