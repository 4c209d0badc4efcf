import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AuditTrail } from './audit/audit-trail.js';
import type { Authz } from './authz/create-authz.js';
import { assembleServer } from './compose/assemble-server.js';
import type { Cleanup, ComposeContext } from './compose/compose-context.js';
import { openKeyRings, startAudit } from './compose/data-protection.js';
import { openHealth } from './compose/health.js';
import { openAuthz, openIdentity } from './compose/identity-and-authz.js';
import { openMetrics, openResponse, startAlerts, startDashboardFeeds } from './compose/monitor.js';
import {
  createEventBus,
  type GivenLogger,
  openStores,
  prepareSchema,
} from './compose/open-storage.js';
import { openGateway, openProtect, startIpAccess } from './compose/protect-and-gateway.js';
import { closeAfterFailedStart, shutDown } from './compose/shutdown.js';
import type { RampartConfig } from './config/schema.js';
import type { DataKeyService } from './dataprotect/data-key-service.js';
import type { GdprService } from './dataprotect/gdpr-service.js';
import type { MasterKeyService } from './dataprotect/master-key-service.js';
import type { EventBus } from './events/event-bus.js';
import type { LiveEventRelay } from './events/live-event-relay.js';
import type { Gateway } from './gateway/create-gateway.js';
import type { AccountService } from './identity/core/account-service.js';
import type { SigningKeyRing } from './identity/core/signing-key-ring.js';
import type { SigningKeyService } from './identity/core/signing-key-service.js';
import type { Identity } from './identity/create-identity.js';
import type { OAuth } from './identity/oauth/index.js';
import type { IdentityStores } from './identity/store.js';
import type { Alerts } from './monitor/alerts/create-alerts.js';
import { JobTracker } from './monitor/core/job-tracker.js';
import type { MonitorResponse } from './monitor/create-monitor-response.js';
import type { HealthService } from './monitor/health/health-service.js';
import { type MetricsServer, startMetricsServer } from './monitor/metrics/metrics-server.js';
import type { RampartMetrics } from './monitor/metrics/rampart-metrics.js';
import type { Protect } from './protect/create-protect.js';
import type { IpAccess } from './protect/ip-access.js';
import type { RateLimiterStore } from './protect/store.js';
import type { DatabaseHandle } from './storage/database.js';
import type { HotStore } from './storage/hot-state.js';
import { createSqlIdentityStores } from './storage/sql/index.js';

export interface CreateRampartOptions {
  /**
   * A logger to use, or a function that opens one once Redis and the database have
   * answered (a start that fails on them then leaves no log file behind); the caller
   * closes it. Default: Rampart opens `config.log` itself and closes it on `close()`.
   */
  logger?: GivenLogger;
  /**
   * Use this hot store instead of opening one from config (tests, embedding). A started
   * Rampart owns it: `close()` closes it. If the start fails, it stays open and the caller
   * closes it.
   */
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
  /** Social login: providers, sign-in flows, linked identities. */
  readonly oauth: OAuth;
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
  /** Authorization: the stored policy (roles, grants, assignments) and approvals. */
  readonly authz: Authz;
  /** GDPR export, erasure and consents. */
  readonly gdpr: GdprService;
  /** The data key ring: seals MFA secrets, signing keys and API-key signing secrets. */
  readonly dataKeys: DataKeyService;
  /** The master keys: which one seals each data key, and master key rotation. */
  readonly masterKeys: MasterKeyService;
  /** The hash-chained audit trail; undefined when audit.enabled is false. */
  readonly audit: AuditTrail | undefined;
  /** Scheduled health checks of this node (undefined when `health.enabled` is false); started by `listen()`. */
  readonly health: HealthService | undefined;
  /** Security events for live viewers, from every node (GET /v1/events/stream). */
  readonly liveEvents: LiveEventRelay;
  /** Detectors, automated responses, incidents and read-only mode. */
  readonly response: MonitorResponse;
  /** Prometheus metrics of this instance (undefined when `metrics.enabled` is false). */
  readonly metrics: RampartMetrics | undefined;
  /** Alert rules, channels, silences and the evaluator (leader-elected in a cluster). */
  readonly alerts: Alerts;
  /** This instance's background jobs, counted for `rampart_jobs_*`. */
  readonly jobs: JobTracker;
  /** The separate metrics listener's URL once `listen()` started it (`metrics.port`). */
  metricsUrl(): string | undefined;
  /** Starts listening; resolves with the bound URL. */
  listen(): Promise<string>;
  /** Stops accepting, drains in-flight requests, then closes the stores. Idempotent. */
  close(): Promise<void>;
}

/**
 * The composition root: opens the stores, migrates, loads the keys and assembles the
 * server with every capability. The only place that knows every concrete adapter; each
 * step lives in src/compose/, called here in the order things start (and, reversed, stop).
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
  // Every store answers before the migrations run: a start that fails on an unreachable
  // Redis (redisUrl) must not have migrated the database on its way.
  const { hot: hotStore, database, logging } = await openStores(config, options);
  const { masterKey, logger, ownLog } = logging;
  const cleanups: Cleanup[] = [];
  try {
    await prepareSchema(database, logger, options.migrate ?? true);
    const events = createEventBus(logging, Boolean(options.logger));
    const jobs = new JobTracker();
    const ctx: ComposeContext = { config, logger, database, hot: hotStore, events, jobs, cleanups };

    const audit = startAudit(ctx, masterKey, logging.redact);
    const stores = createSqlIdentityStores(database.db);
    const keyRings = await openKeyRings(ctx, masterKey);
    const { dataKeys, masterKeys, sealer } = keyRings;
    const authz = await openAuthz(ctx, sealer);
    const identityParts = await openIdentity(ctx, { stores, sealer, authz });
    const { identity, oauth } = identityParts;
    const protect = await openProtect(ctx, options.rateLimitStore);
    const gateway = openGateway(ctx, masterKey.key, identity);
    const metrics = openMetrics(ctx, { protect, identity, gateway, audit });
    const health = openHealth(ctx, audit, metrics);
    const { liveEvents, overview } = await startDashboardFeeds(ctx, metrics, logging.redact);
    const alerts = await startAlerts(ctx, { sealer, mailer: identityParts.mailer, metrics });
    const ipAccess = await startIpAccess(ctx);
    const response = await openResponse(ctx, {
      responseStore: identityParts.responseStore,
      identity,
      ipAccess,
    });
    const { app, gdpr } = await assembleServer(
      ctx,
      {
        masterKey,
        stores,
        audit,
        keyRings,
        authz,
        identity: identityParts,
        protect,
        gateway,
        metrics,
        health,
        liveEvents,
        overview,
        alerts,
        ipAccess,
        response,
      },
      options.register,
    );

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
      oauth,
      ipAccess,
      response,
      protect,
      gateway,
      accounts: identity.accounts,
      signingKeys: identity.signingKeys,
      ring: identity.ring,
      masterKeySource: masterKey.source,
      authz,
      dataKeys,
      masterKeys,
      gdpr,
      audit,
      health,
      liveEvents,
      metrics,
      alerts,
      jobs,
      metricsUrl: () => metricsServer?.url,
      async listen() {
        const url = await app.listen({ host: config.host, port: config.port });
        health?.start();
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
        closed ??= shutDown({
          app,
          metricsServer: () => metricsServer,
          cleanups,
          hot: hotStore,
          database,
          ownLog,
          shutdownGraceMs: config.http.shutdownGrace * 1000,
        });
        return closed;
      },
    };
  } catch (error) {
    await closeAfterFailedStart({
      cleanups,
      ownHot: options.hotStore ? undefined : hotStore,
      database,
      ownLog,
    });
    throw error;
  }
}
