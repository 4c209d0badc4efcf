import type { AuditTrail } from '../../audit/audit-trail.js';
import type { EventBus } from '../../events/event-bus.js';
import type { Gateway } from '../../gateway/create-gateway.js';
import type { Identity } from '../../identity/create-identity.js';
import { ResilientRateLimiter } from '../../protect/core/resilient-rate-limiter.js';
import type { Protect } from '../../protect/create-protect.js';
import type { DatabaseHandle } from '../../storage/database.js';
import type { HotStore } from '../../storage/hot-state.js';
import type { RampartMetricsOptions } from './rampart-metrics.js';

export interface RampartMetricsSources {
  events: EventBus;
  dataDir: string;
  database: DatabaseHandle;
  hot: HotStore;
  protect: Protect;
  identity: Identity;
  gateway: Gateway;
  /** The audit trail, when enabled. */
  audit?: AuditTrail | undefined;
}

/**
 * What the metrics read from each capability, gathered in one place so the composition
 * root only hands the capabilities over.
 *
 * @example
 * const metrics = createRampartMetrics(metricsOptionsOf({ events, dataDir, database, hot, protect, identity, gateway }));
 */
export function metricsOptionsOf(sources: RampartMetricsSources): RampartMetricsOptions {
  const { database, hot, identity, gateway } = sources;
  const limiter = sources.protect.store;
  return {
    events: sources.events,
    dataDir: sources.dataDir,
    stores: [
      { store: 'database', kind: database.dialect, ping: () => database.ping() },
      { store: 'hotstore', kind: hot.kind, ping: () => hot.ping() },
      ...(limiter ? [{ store: 'ratelimit', kind: limiter.kind, ping: () => limiter.ping() }] : []),
    ],
    ...(limiter
      ? {
          rateLimitStore: {
            kind: limiter.kind,
            // Only a shared store is wrapped with a local fallback, and only it can degrade.
            degraded: () => limiter instanceof ResilientRateLimiter && limiter.degraded,
          },
        }
      : {}),
    caches: [
      { cache: 'accounts', stats: () => identity.accountCache.stats() },
      { cache: 'api_keys', stats: () => identity.apiKeys.cacheStats() },
    ],
    ...(gateway.pluginOptions ? { gatewayStats: () => gateway.stats() } : {}),
    database,
    ...(sources.audit ? { audit: sources.audit } : {}),
  };
}
