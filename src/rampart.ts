import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AuditTrail } from './audit/audit-trail.js';
import { deriveCheckpointSigner } from './audit/core/checkpoint-signer.js';
import { auditRoutes } from './audit/routes/audit.routes.js';
import type { RampartConfig } from './config/schema.js';
import { createSealer } from './dataprotect/core/sealer.js';
import { resolveMasterKey } from './dataprotect/master-key-file.js';
import { EventBus } from './events/event-bus.js';
import { createGateway, type Gateway } from './gateway/create-gateway.js';
import { gatewayPlugin } from './gateway/plugin.js';
import { gatewayRateLimitRules } from './gateway/route-table.js';
import { buildServer } from './http/server.js';
import type { AccountService } from './identity/core/account-service.js';
import type { SigningKeyRing } from './identity/core/signing-key-ring.js';
import type { SigningKeyService } from './identity/core/signing-key-service.js';
import { createIdentity, type Identity } from './identity/create-identity.js';
import identityPlugin from './identity/plugin.js';
import type { IdentityStores } from './identity/store.js';
import { openMailer } from './mail/open-mailer.js';
import { type Alerts, createAlerts } from './monitor/alerts/create-alerts.js';
import { alertsPlugin } from './monitor/alerts/plugin.js';
import type { HealthCheck } from './monitor/core/health.js';
import { createLogger } from './monitor/logger.js';
import { type MetricsServer, startMetricsServer } from './monitor/metrics/metrics-server.js';
import { createRampartMetrics, type RampartMetrics } from './monitor/metrics/rampart-metrics.js';
import { metricsOptionsOf } from './monitor/metrics/rampart-metrics-sources.js';
import { healthRoutes } from './monitor/routes/health.routes.js';
import { metricsRoutes } from './monitor/routes/metrics.routes.js';
import { createProtect, type Protect } from './protect/create-protect.js';
import idempotencyPlugin from './protect/idempotency.js';
import { IpAccess } from './protect/ip-access.js';
import ipAccessPlugin from './protect/ip-access.plugin.js';
import protectPlugin from './protect/plugin.js';
import { SqlRateLimitRuleStore } from './protect/rate-limit-rules.js';
import { rateLimitRuleRoutes } from './protect/rate-limit-rules.routes.js';
import type { RateLimiterStore } from './protect/store.js';
import { type DatabaseHandle, openDatabase } from './storage/database.js';
import type { HotStore } from './storage/hot-state.js';
import { migrateToLatest, migrationStatus } from './storage/migrate.js';
import { openHotStore } from './storage/open-hot-store.js';
import { createSqlIdentityStores } from './storage/sql/index.js';
import { SqlAlertStore } from './storage/sql/sql-alert-store.js';
import { SqlApiKeyStore } from './storage/sql/sql-api-key-store.js';
import { SqlAuditStore } from './storage/sql/sql-audit-store.js';
import { SqlIpRuleStore } from './storage/sql/sql-ip-rule-store.js';
import { rampartVersion } from './version.js';

export interface CreateRampartOptions {
  /** A logger to use; default: pino to stdout at `config.log.level`. */
  logger?: Logger;
  /** Use this hot store instead of opening one from config (tests, embedding). */
  hotStore?: HotStore;
  /** Use this rate-limit store instead of opening one from config (tests, embedding). */
  rateLimitStore?: RateLimiterStore;
  /** Apply pending migrations at start (default true; `rampart migrate` is the explicit form). */
  migrate?: boolean;
  /** Registers the embedding application's own routes and plugins before the server starts. */
  register?: (app: FastifyInstance) => Promise<void>;
}

export interface Rampart {
  readonly app: FastifyInstance;
  readonly config: RampartConfig;
  readonly logger: Logger;
  readonly database: DatabaseHandle;
  readonly hot: HotStore;
  readonly events: EventBus;
  readonly stores: IdentityStores;
  /** The identity capability: accounts, login, sessions, keys. */
  readonly identity: Identity;
  /** IP allow and deny rules and bans (also for automated responses). */
  readonly ipAccess: IpAccess;
  /** The protect capability: rate limits. */
  readonly protect: Protect;
  /** The gateway in front of `gateway.upstream` (its pluginOptions are undefined when off). */
  readonly gateway: Gateway;
  readonly accounts: AccountService;
  readonly signingKeys: SigningKeyService;
  readonly ring: SigningKeyRing;
  readonly masterKeySource: 'config' | 'file' | 'generated';
  /** The hash-chained audit trail; undefined when audit.enabled is false. */
  readonly audit: AuditTrail | undefined;
  /** Prometheus metrics of this instance (undefined when `metrics.enabled` is false). */
  readonly metrics: RampartMetrics | undefined;
  /** Alert rules, channels, silences and the evaluator (leader-elected in a cluster). */
  readonly alerts: Alerts;
  /** The separate metrics listener's URL once `listen()` started it (`metrics.port`). */
  metricsUrl(): string | undefined;
  /** Starts listening; resolves with the bound URL. */
  listen(): Promise<string>;
  /** Stops accepting, drains in-flight requests, then closes the stores. Idempotent. */
  close(): Promise<void>;
}

/**
 * The composition root: opens the stores, migrates, loads the keys and assembles the
 * server with every capability. The only place that knows every concrete adapter.
 *
 * @example
 * const { config } = loadConfig();
 * const rampart = await createRampart(config);
 * console.log(await rampart.listen());
 */
export async function createRampart(
  config: RampartConfig,
  options: CreateRampartOptions = {},
): Promise<Rampart> {
  const logger = options.logger ?? createLogger({ level: config.log.level });
  const masterKey = resolveMasterKey(config);
  if (masterKey.source === 'generated') {
    logger.warn(
      { path: masterKey.path },
      'DEVELOPMENT ONLY: generated a master key in the data directory. Anyone who can read it can unseal every secret. Set RAMPART_MASTER_KEY outside development.',
    );
  }
  const database = openDatabase(config.databaseUrl);
  let hot: HotStore | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    if (options.migrate ?? true) {
      const applied = await migrateToLatest(database);
      if (applied.length > 0) logger.info({ applied }, 'database migrated');
    } else {
      const status = await migrationStatus(database);
      if (status.pending.length > 0 || status.unknown.length > 0) {
        throw new Error(
          `database schema is not current (pending: ${status.pending.join(', ') || 'none'}); run rampart migrate`,
        );
      }
    }
    hot =
      options.hotStore ??
      (await openHotStore(config, (error, channel) =>
        logger.error({ err: error, channel }, 'pub/sub handler failed'),
      ));
    const hotStore = hot;

    const events = new EventBus({
      onHandlerError: (error, event, handler) =>
        logger.error({ err: error, eventType: event.type, handler }, 'event handler failed'),
    });
    // The first subscriber: every security event as a structured log line. The audit
    // trail, metrics and detectors subscribe here as they arrive.
    events.subscribe('log', (event) => {
      logger.info({ event }, `security event ${event.type}`);
    });
    // The audit trail: publishers wait until their event is committed (group commit).
    // Its cleanup is registered first so it runs last, after every other publisher stopped.
    const audit = config.audit.enabled
      ? new AuditTrail({
          store: new SqlAuditStore(database.db, database.dialect),
          signer: deriveCheckpointSigner(masterKey.key),
          config,
          onBackgroundError: (error, task) => logger.error({ err: error }, `${task} failed`),
        })
      : undefined;
    if (audit) {
      events.subscribe('audit', (event) => audit.record(event));
      audit.start();
      cleanups.push(() => audit.close());
    }

    const stores = createSqlIdentityStores(database.db);
    const sealer = createSealer(masterKey.key);
    const mailer = openMailer(config, logger);
    cleanups.push(() => mailer.close());
    const identity = await createIdentity({
      config,
      stores,
      apiKeyStore: new SqlApiKeyStore(database.db),
      hot: hotStore,
      events,
      sealer,
      mailer,
      logger,
    });
    cleanups.push(() => identity.close());
    const protect = await createProtect({
      // Gateway routes with a rateLimit count under it, after the rateLimit.routes entries.
      config: {
        ...config,
        rateLimit: {
          ...config.rateLimit,
          routes: [...config.rateLimit.routes, ...gatewayRateLimitRules(config.gateway)],
        },
      },
      events,
      logger,
      ruleStore: new SqlRateLimitRuleStore(database.db),
      pubsub: hotStore.pubsub,
      ...(options.rateLimitStore ? { rateLimitStore: options.rateLimitStore } : {}),
    });
    cleanups.push(() => protect.close());
    const gateway = createGateway({
      config,
      masterKey: masterKey.key,
      auth: identity.auth,
      events,
      logger,
    });
    cleanups.push(() => gateway.close());

    const metrics = config.metrics.enabled
      ? createRampartMetrics(
          metricsOptionsOf({
            events,
            dataDir: config.dataDir,
            database,
            hot: hotStore,
            protect,
            identity,
            gateway,
          }),
        )
      : undefined;
    if (metrics) cleanups.push(async () => metrics.close());

    const alerts = createAlerts({
      config,
      store: new SqlAlertStore(database.db, sealer),
      events,
      hot: hotStore,
      mailer,
      ...(metrics ? { registry: metrics.registry } : {}),
      onError: (error, task) => logger.error({ err: error }, `${task} failed`),
    });
    await alerts.start();
    cleanups.push(() => alerts.close());

    const ipAccess = new IpAccess({
      store: new SqlIpRuleStore(database.db),
      values: hotStore.values,
      pubsub: hotStore.pubsub,
      events,
      staticAllow: config.network.allow,
      staticDeny: config.network.deny,
      onBackgroundError: (error) => logger.warn({ err: error }, 'IP rules reload failed'),
    });
    cleanups.push(await ipAccess.start());

    const app = await buildServer({ config, logger, version: rampartVersion });
    // First of the hooks added here, so requests refused by IP rules are counted too.
    metrics?.instrument(app);
    // Address rules run before anything else a request meets.
    await app.register(ipAccessPlugin, { access: ipAccess, auth: identity.auth });
    // Before any POST route is added: it hooks into each of them.
    await app.register(idempotencyPlugin, {
      sets: hotStore.sets,
      values: hotStore.values,
      sealer,
      ttlMs: config.idempotency.ttl * 1000,
      maxBodyBytes: config.idempotency.maxBodyBytes,
    });
    const readiness: HealthCheck[] = [
      {
        name: 'database:responseTime',
        run: async () => ({
          componentId: database.dialect,
          componentType: 'datastore',
          observedValue: round(await database.ping()),
          observedUnit: 'ms',
          status: 'pass',
        }),
      },
      {
        name: 'database:migrations',
        run: async () => {
          const s = await migrationStatus(database);
          const behind = s.pending.length + s.unknown.length;
          return {
            componentId: database.dialect,
            componentType: 'datastore',
            observedValue: behind,
            observedUnit: 'pending',
            status: behind === 0 ? 'pass' : 'fail',
          };
        },
      },
      {
        name: 'hotstore:responseTime',
        run: async () => ({
          componentId: hotStore.kind,
          componentType: 'datastore',
          observedValue: round(await hotStore.ping()),
          observedUnit: 'ms',
          status: 'pass',
        }),
      },
      ...identity.readiness,
      ...protect.readiness,
    ];
    // Before every route, so the rate-limit hooks see each one as it is registered.
    if (protect.pluginOptions) await app.register(protectPlugin, protect.pluginOptions);
    if (protect.rules) {
      await app.register(rateLimitRuleRoutes, { rules: protect.rules, auth: identity.auth });
    }
    await app.register(healthRoutes, { version: rampartVersion, readiness });
    if (metrics && config.metrics.port === undefined) {
      await app.register(metricsRoutes, {
        metrics,
        ...(config.metrics.token ? { token: config.metrics.token } : {}),
      });
    }
    await app.register(identityPlugin, identity.pluginOptions);
    // After the hooks it relies on (IP rules, idempotency, rate limits), so they cover it.
    if (gateway.pluginOptions) await app.register(gatewayPlugin, gateway.pluginOptions);
    if (audit) await app.register(auditRoutes, { audit, auth: identity.auth });
    await app.register(alertsPlugin, { service: alerts.service, auth: identity.auth });
    if (options.register) await options.register(app);
    await app.ready();

    let closed: Promise<void> | undefined;
    let metricsServer: MetricsServer | undefined;
    return {
      app,
      config,
      logger,
      database,
      hot: hotStore,
      events,
      stores,
      identity,
      ipAccess,
      protect,
      gateway,
      accounts: identity.accounts,
      signingKeys: identity.signingKeys,
      ring: identity.ring,
      masterKeySource: masterKey.source,
      audit,
      metrics,
      alerts,
      metricsUrl: () => metricsServer?.url,
      async listen() {
        const url = await app.listen({ host: config.host, port: config.port });
        if (metrics && config.metrics.port !== undefined && !metricsServer) {
          metricsServer = await startMetricsServer({
            metrics,
            host: config.metrics.host,
            port: config.metrics.port,
            ...(config.metrics.token ? { token: config.metrics.token } : {}),
            publicUrl: config.publicUrl,
            logger,
          });
        }
        return url;
      },
      close() {
        closed ??= (async () => {
          await app.close();
          await metricsServer?.close();
          for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
          await hotStore.close();
          await database.close();
        })();
        return closed;
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    if (hot && !options.hotStore) await hot.close().catch(() => {});
    await database.close().catch(() => {});
    throw error;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
