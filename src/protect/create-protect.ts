import type { Logger } from 'pino';
import type { RampartConfig } from '../config/schema.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { HealthCheck } from '../monitor/core/health.js';
import type { PubSub } from '../storage/hot-state.js';
import { LivePolicies, RateLimitPolicies, type RateLimitRule } from './core/rate-limit-policy.js';
import { RateLimiter } from './core/rate-limiter.js';
import { ResilientRateLimiter } from './core/resilient-rate-limiter.js';
import type { ProtectPluginOptions } from './plugin.js';
import { RateLimitRuleService, type SqlRateLimitRuleStore } from './rate-limit-rules.js';
import type { RateLimiterStore } from './store.js';
import { MemoryRateLimiterStore } from './stores/memory-rate-limiter-store.js';
import { createRedisRateLimiterStore } from './stores/redis-rate-limiter-store.js';

const healthExemption: RateLimitRule = {
  method: '*',
  url: '/health*',
  limit: 0,
  window: 60,
  key: ['ip'],
};

export interface Protect {
  /** Undefined when rate limits are disabled or no policy is configured. */
  pluginOptions: ProtectPluginOptions | undefined;
  store: RateLimiterStore | undefined;
  /** Policies managed through the API; undefined when rate limits are disabled. */
  rules: RateLimitRuleService | undefined;
  readiness: HealthCheck[];
  close(): Promise<void>;
}

export interface CreateProtectOptions {
  config: Pick<RampartConfig, 'rateLimit' | 'redisUrl' | 'redisKeyPrefix'>;
  events: EventPublisher;
  logger: Logger;
  /** Use this store for decisions instead of opening one from config (tests, embedding). */
  rateLimitStore?: RateLimiterStore;
  /** Where policies added through the API live, and how nodes hear of changes. */
  ruleStore?: SqlRateLimitRuleStore;
  pubsub?: PubSub;
}

const noPubSub: PubSub = {
  publish: async () => {},
  subscribe: async () => async () => {},
};

/**
 * The protect capability (rate limits so far). With Redis configured every node shares
 * one budget per key; the limiter then degrades as `rateLimit.failMode` says when Redis
 * fails, and readiness reports `warn` while it does.
 */
export async function createProtect(options: CreateProtectOptions): Promise<Protect> {
  const { config, events, logger } = options;
  const settings = config.rateLimit;
  const tableWith = (apiRules: readonly RateLimitRule[]) =>
    new RateLimitPolicies({
      global: settings.global,
      default: settings.default,
      // Policies added through the API come first: the operator who adds one expects it
      // to apply. Health probes are exempt unless an entry above names them: a load
      // balancer that is refused its probe would take a healthy node out of rotation.
      routes: [...apiRules, ...settings.routes, healthExemption],
    });
  const policies = new LivePolicies(tableWith([]));
  if (!settings.enabled) {
    return {
      pluginOptions: undefined,
      store: undefined,
      rules: undefined,
      readiness: [],
      close: async () => {},
    };
  }
  const rules = options.ruleStore
    ? new RateLimitRuleService({
        store: options.ruleStore,
        pubsub: options.pubsub ?? noPubSub,
        events,
        apply: (apiRules) => policies.replace(tableWith(apiRules)),
        onBackgroundError: (error) =>
          logger.warn({ err: error }, 'rate-limit policies reload failed'),
      })
    : undefined;
  const stopRules = rules ? await rules.start() : async () => {};
  const primary =
    options.rateLimitStore ??
    (config.redisUrl
      ? await createRedisRateLimiterStore({
          url: config.redisUrl,
          keyPrefix: config.redisKeyPrefix,
        })
      : new MemoryRateLimiterStore());
  const store =
    primary.kind === 'memory'
      ? primary
      : new ResilientRateLimiter({
          primary,
          fallback: new MemoryRateLimiterStore(),
          failMode: settings.failMode,
          onTransition: (to, error) => {
            const errorName = error instanceof Error ? error.name : undefined;
            if (to === 'degraded') {
              logger.error(
                { err: error, failMode: settings.failMode },
                'rate-limit store failed; limits follow the fail mode',
              );
            } else logger.warn('rate-limit store recovered; limits are global again');
            void events.publish({
              type: to === 'degraded' ? 'ratelimit.store.degraded' : 'ratelimit.store.recovered',
              outcome: to === 'degraded' ? 'failure' : 'success',
              actor: { kind: 'system' },
              target: { type: 'rate_limit_store', id: primary.kind },
              details: {
                store: primary.kind,
                failMode: settings.failMode,
                ...(errorName ? { error: errorName } : {}),
              },
            });
          },
        });
  // A store in this process has nothing to check; a shared one does.
  const readiness: HealthCheck[] = !(store instanceof ResilientRateLimiter)
    ? []
    : [
        {
          name: 'ratelimit:store',
          run: async () => {
            // A degraded limiter still serves (or refuses by design): warn, never fail, so a
            // load balancer keeps the node while the operators get the signal.
            const healthy = await store.probe();
            return {
              componentId: store.kind,
              componentType: 'datastore',
              observedValue: healthy ? 'shared' : store.failMode === 'open' ? 'local' : 'refusing',
              status: healthy ? 'pass' : 'warn',
              ...(healthy
                ? {}
                : { output: `store unreachable; failing ${store.failMode} (rateLimit.failMode)` }),
            };
          },
        },
      ];
  return {
    pluginOptions: { policies, limiter: new RateLimiter({ store, events }) },
    store,
    rules,
    readiness,
    close: async () => {
      await stopRules();
      await store.close();
    },
  };
}
