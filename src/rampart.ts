import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { AuditTrail } from './audit/audit-trail.js';
import { deriveCheckpointSigner } from './audit/core/checkpoint-signer.js';
import { auditRoutes } from './audit/routes/audit.routes.js';
import { type Authz, createAuthz } from './authz/create-authz.js';
import { configRoutes } from './config/config.routes.js';
import type { RampartConfig } from './config/schema.js';
import { dashboardPlugin } from './dashboard/serve-dashboard.js';
import { configuredRedactor } from './dataprotect/configured-redactor.js';
import { encryptedFields } from './dataprotect/core/encrypted-fields.js';
import { createMasterKeyRing } from './dataprotect/core/master-key-ring.js';
import { DataKeyService } from './dataprotect/data-key-service.js';
import { GdprService } from './dataprotect/gdpr-service.js';
import { resolveMasterKey } from './dataprotect/master-key-file.js';
import { MasterKeyService } from './dataprotect/master-key-service.js';
import { warnUnneededPreviousMasterKeys } from './dataprotect/master-key-startup.js';
import { dataKeyRoutes } from './dataprotect/routes/data-keys.routes.js';
import { gdprRoutes } from './dataprotect/routes/gdpr.routes.js';
import { masterKeyRoutes } from './dataprotect/routes/master-keys.routes.js';
import secretScanPlugin from './dataprotect/scanner/secret-scan.plugin.js';
import { EventBus } from './events/event-bus.js';
import { LiveEventRelay } from './events/live-event-relay.js';
import { createGateway, type Gateway } from './gateway/create-gateway.js';
import { gatewayPlugin } from './gateway/plugin.js';
import { gatewayRateLimitRules } from './gateway/route-table.js';
import { buildServer } from './http/server.js';
import { AccountAdminService } from './identity/core/account-admin-service.js';
import type { AccountService } from './identity/core/account-service.js';
import type { SigningKeyRing } from './identity/core/signing-key-ring.js';
import type { SigningKeyService } from './identity/core/signing-key-service.js';
import { createIdentity, type Identity } from './identity/create-identity.js';
import { createOAuth, type OAuth, oauthPlugin } from './identity/oauth/index.js';
import identityPlugin from './identity/plugin.js';
import { adminAccountRoutes } from './identity/routes/admin-accounts.routes.js';
import type { IdentityStores } from './identity/store.js';
import { openMailer } from './mail/open-mailer.js';
import { type Alerts, createAlerts } from './monitor/alerts/create-alerts.js';
import { alertsPlugin } from './monitor/alerts/plugin.js';
import type { HealthCheck } from './monitor/core/health.js';
import { JobTracker } from './monitor/core/job-tracker.js';
import { createMonitorResponse, type MonitorResponse } from './monitor/create-monitor-response.js';
import { HealthService } from './monitor/health/health-service.js';
import { buildScheduledChecks } from './monitor/health/scheduled-checks.js';
import { type OpenedLogger, openLogger } from './monitor/logger.js';
import { registerHealthMetrics } from './monitor/metrics/health-metrics.js';
import { registerJobMetrics } from './monitor/metrics/job-metrics.js';
import { type MetricsServer, startMetricsServer } from './monitor/metrics/metrics-server.js';
import { createRampartMetrics, type RampartMetrics } from './monitor/metrics/rampart-metrics.js';
import { metricsOptionsOf } from './monitor/metrics/rampart-metrics-sources.js';
import { startOverviewSampler } from './monitor/overview-sampler.js';
import { eventsStreamRoutes } from './monitor/routes/events-stream.routes.js';
import { healthRoutes } from './monitor/routes/health.routes.js';
import { healthChecksRoutes } from './monitor/routes/health-checks.routes.js';
import { metricsRoutes } from './monitor/routes/metrics.routes.js';
import { overviewRoutes } from './monitor/routes/overview.routes.js';
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
import { SqlApprovalStore } from './storage/sql/sql-approval-store.js';
import { SqlAuditStore } from './storage/sql/sql-audit-store.js';
import { SqlAuthzPolicyStore } from './storage/sql/sql-authz-store.js';
import { SqlDataKeyStore } from './storage/sql/sql-data-key-store.js';
import { SqlHealthHistoryStore } from './storage/sql/sql-health-store.js';
import { SqlIpRuleStore } from './storage/sql/sql-ip-rule-store.js';
import { SqlMasterKeyStore } from './storage/sql/sql-master-key-store.js';
import { SqlOAuthStore } from './storage/sql/sql-oauth-store.js';
import { SqlPersonalDataStore } from './storage/sql/sql-personal-data-store.js';
import { SqlResponseStore } from './storage/sql/sql-response-store.js';
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
  const masterKey = resolveMasterKey(config);
  // Classification and redaction: audit details before they are hashed, logged events.
  const redact = configuredRedactor(config, masterKey.key);
  // A logger this function opened (stdout, a rotated file) is closed by close().
  let ownLog: OpenedLogger | undefined;
  let logger: Logger;
  if (options.logger) logger = options.logger;
  else {
    ownLog = await openLogger(config.log, { redactEvent: redact });
    logger = ownLog.logger;
  }
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
    // Our logger classifies `event` in its serializer; a logger passed in by an embedding
    // application has none, so the event is classified here instead (never twice: a
    // second pass would hash a hash and mask a mask).
    const logEvent = options.logger ? redact : (event: unknown) => event;
    events.subscribe('log', (event) => {
      logger.info({ event: logEvent(event) }, `security event ${event.type}`);
    });
    // Background work of this instance, counted for the jobs metrics.
    const jobs = new JobTracker();
    // The audit trail: publishers wait until their event is committed (group commit).
    // Its cleanup is registered first so it runs last, after every other publisher stopped.
    const audit = config.audit.enabled
      ? new AuditTrail({
          jobs,
          store: new SqlAuditStore(database.db, database.dialect),
          signer: deriveCheckpointSigner(masterKey.key),
          // Checkpoints signed before a master key rotation verify while the previous
          // key is configured; audit.trustedKeys keeps them verifying after it is dropped.
          config: {
            ...config,
            audit: {
              ...config.audit,
              trustedKeys: [
                ...config.audit.trustedKeys,
                ...masterKey.previous.map((k) => deriveCheckpointSigner(k).publicKey),
              ],
            },
          },
          redactDetails: redact,
          onBackgroundError: (error, task) => logger.error({ err: error }, `${task} failed`),
        })
      : undefined;
    if (audit) {
      events.subscribe('audit', (event) => audit.record(event));
      audit.start();
      cleanups.push(() => audit.close());
    }

    const stores = createSqlIdentityStores(database.db);
    // The master key seals the data keys; the data key ring seals every secret (and
    // still opens values sealed directly by the master key before the ring existed).
    // masterKeyPrevious: data keys sealed before a master key rotation still open.
    const masterSealer = createMasterKeyRing(masterKey.key, masterKey.previous);
    const dataKeyStore = new SqlDataKeyStore(database.db);
    const dataKeys = await DataKeyService.open({
      store: dataKeyStore,
      fields: dataKeyStore,
      encryptedFields,
      masterSealer,
      pubsub: hotStore.pubsub,
      events,
      jobs,
      onBackgroundError: (error, task) => logger.error({ err: error }, `${task} failed`),
    });
    cleanups.push(await dataKeys.follow());
    cleanups.push(() => dataKeys.stop());
    const masterKeys = new MasterKeyService({
      store: new SqlMasterKeyStore(database.db),
      fields: dataKeyStore,
      encryptedFields,
      masterKeys: masterSealer,
      dataKeys,
      events,
      idempotencyTtlMs: config.idempotency.ttl * 1000,
      jobs,
    });
    cleanups.push(() => masterKeys.stop());
    await warnUnneededPreviousMasterKeys(masterKeys, logger);
    const sealer = dataKeys.sealer;

    const authz = await createAuthz({
      config,
      policyStore: new SqlAuthzPolicyStore(database.db),
      // Bound requests are sealed by the data key ring, like every secret at rest.
      approvalStore: new SqlApprovalStore(database.db, sealer),
      pubsub: hotStore.pubsub,
      events,
      logger,
    });
    cleanups.push(() => authz.close());

    const responseStore = new SqlResponseStore(database.db as unknown as Kysely<unknown>);
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
      authorizer: authz.policy,
      mfaRequired: (accountId) => responseStore.isRequired(accountId),
    });
    cleanups.push(() => identity.close());
    const oauthStore = new SqlOAuthStore(database.db, database.dialect);
    const oauth = await createOAuth({
      config,
      store: oauthStore,
      accounts: stores.accounts,
      identity,
      hot: hotStore,
      events,
      sealer,
    });
    cleanups.push(() => oauth.close());
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
            audit,
          }),
        )
      : undefined;
    if (metrics) {
      cleanups.push(async () => metrics.close());
      const stopJobMetrics = registerJobMetrics(metrics.registry, jobs);
      cleanups.push(async () => stopJobMetrics());
    }

    const health = config.health.enabled
      ? createHealthService(config, { database, hot: hotStore, events, audit, logger, jobs })
      : undefined;
    if (health) cleanups.push(() => health.close());
    if (metrics && health) registerHealthMetrics(metrics.registry, health.monitor);
    // The dashboard's feeds: live events from every node, and this node's charts.
    const liveEvents = new LiveEventRelay({
      pubsub: hotStore.pubsub,
      events,
      onError: (error) => logger.warn({ err: error }, 'live event relay failed'),
    });
    await liveEvents.start();
    cleanups.push(() => liveEvents.close());
    const overview = startOverviewSampler({
      events,
      ...(metrics ? { registry: metrics.registry } : {}),
    });
    cleanups.push(async () => overview.close());
    const alerts = createAlerts({
      config,
      store: new SqlAlertStore(database.db, sealer),
      events,
      hot: hotStore,
      mailer,
      jobs,
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
    const response = await createMonitorResponse({
      config,
      db: database.db as unknown as Kysely<unknown>,
      store: responseStore,
      hot: hotStore,
      events,
      identity,
      ipAccess,
      logger,
      jobs,
    });
    cleanups.push(() => response.close());

    const app = await buildServer({ config, logger, version: rampartVersion });
    // First of the hooks added here, so requests refused by IP rules are counted too.
    metrics?.instrument(app);
    // Step-up and approval guards hook onRoute: before every route (the IP-rule admin
    // routes included) and ahead of idempotency replays.
    await authz.registerGuards(app);
    // Address rules run before anything else a request meets.
    await app.register(ipAccessPlugin, { access: ipAccess, auth: identity.auth });
    await response.registerHook(app);
    // Before any POST route is added: it hooks into each of them.
    await app.register(idempotencyPlugin, {
      sets: hotStore.sets,
      values: hotStore.values,
      // Short-lived cached responses in the hot store, out of reach of re-encryption: the
      // master-key sealer, so a data key retirement never strands one.
      sealer: masterSealer,
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
    // Before the routes it scans: it adds its hook to each chosen one as it is registered.
    if (config.secretScan.routes.length > 0)
      await app.register(secretScanPlugin, { routes: config.secretScan.routes, events });
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
    await app.register(identityPlugin, {
      ...identity.pluginOptions,
      identitiesOf: oauth.identitiesOf,
    });
    await app.register(oauthPlugin, oauth.pluginOptions);
    await response.registerRoutes(app, identity);
    // After the hooks it relies on (IP rules, idempotency, rate limits), so they cover it.
    if (gateway.pluginOptions) await app.register(gatewayPlugin, gateway.pluginOptions);
    if (audit) await app.register(auditRoutes, { audit, auth: identity.auth });
    if (health) await app.register(healthChecksRoutes, { health, auth: identity.auth });
    await app.register(overviewRoutes, {
      sampler: overview,
      auth: identity.auth,
      httpSeries: metrics !== undefined,
    });
    await app.register(eventsStreamRoutes, {
      relay: liveEvents,
      auth: identity.auth,
      heartbeatMs: config.dashboard.liveHeartbeat * 1000,
    });
    await app.register(configRoutes, { config, auth: identity.auth });
    if (config.dashboard.enabled) await app.register(dashboardPlugin);
    const accountAdmin = new AccountAdminService({
      accounts: stores.accounts,
      cache: identity.accountCache,
      login: identity.login,
      sessions: identity.sessions,
      apiKeys: identity.apiKeys,
      mfa: identity.mfa,
      policy: authz.policy,
      countIdentities: (id) => oauthStore.countIdentities(id),
      // Called only after start, once `gdpr` below exists.
      erase: (id, actor, ctx) => gdpr.eraseByAdministrator(id, actor, ctx),
      events,
      defaultLockMs: config.lockout.adminLockDuration * 1000,
    });
    await authz.registerRoutes(app, {
      auth: identity.auth,
      checkAssignment: (id, roles) => accountAdmin.checkAssignment(id, roles),
      principalOf: async (id) => {
        const account = await stores.accounts.findAccountById(id);
        if (account) return { kind: 'user', roles: account.roles };
        const sa = await identity.apiKeys.getServiceAccount(id).catch(() => undefined);
        return sa ? { kind: 'service_account', roles: sa.roles } : undefined;
      },
      principalExists: async (id) =>
        (await stores.accounts.findAccountById(id)) !== undefined ||
        (await identity.apiKeys.getServiceAccount(id).then(
          () => true,
          () => false,
        )),
    });
    await app.register(dataKeyRoutes, { dataKeys, auth: identity.auth, logger });
    await app.register(masterKeyRoutes, { masterKeys, auth: identity.auth, logger });
    const personalData = new SqlPersonalDataStore(database.db);
    const gdpr = new GdprService({
      accounts: stores.accounts,
      accountCache: identity.accountCache,
      sessions: identity.sessions,
      apiKeys: identity.apiKeys,
      mfa: identity.mfa,
      hasher: identity.hasher,
      login: identity.login,
      consents: personalData,
      personalData,
      audit: audit?.store,
      events,
      masterKey: masterKey.key,
      consentPurposes: config.dataProtection.consentPurposes,
      reauthMaxAge: config.dataProtection.reauthMaxAge,
    });
    await app.register(gdprRoutes, { gdpr, auth: identity.auth });
    await app.register(adminAccountRoutes, { auth: identity.auth, admin: accountAdmin });
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
        closed ??= (async () => {
          // In-flight requests get http.shutdownGrace to finish; then every connection still
          // open is closed, so a keep-alive socket that went idle after the drain began (or
          // a stream) cannot hold the shutdown until its keep-alive timeout.
          const grace = setTimeout(
            () => app.server.closeAllConnections(),
            config.http.shutdownGrace * 1000,
          );
          grace.unref();
          await app.close().finally(() => clearTimeout(grace));
          await metricsServer?.close();
          for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
          await hotStore.close();
          await database.close();
          await ownLog?.close();
        })();
        return closed;
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    if (hot && !options.hotStore) await hot.close().catch(() => {});
    await database.close().catch(() => {});
    await ownLog?.close().catch(() => {});
    throw error;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** The scheduled health checks of `health.*`, recording into the database. */
function createHealthService(
  config: RampartConfig,
  sources: {
    database: DatabaseHandle;
    hot: HotStore;
    events: EventBus;
    audit: AuditTrail | undefined;
    logger: Logger;
    jobs: JobTracker;
  },
): HealthService {
  const { audit, logger } = sources;
  const built = buildScheduledChecks(config.health, {
    dataDir: config.dataDir,
    database: sources.database,
    hot: sources.hot,
    ...(audit ? { auditBacklog: () => audit.backlog } : {}),
  });
  return new HealthService({
    config: config.health,
    checks: built.checks,
    store: new SqlHealthHistoryStore(sources.database.db),
    events: sources.events,
    releaseId: rampartVersion,
    jobs: sources.jobs,
    onBackgroundError: (error, task) => logger.error({ err: error }, `${task} failed`),
    onChange: (line, message) =>
      line.status === 'pass' || line.status === 'healthy'
        ? logger.info(line, message)
        : logger.warn(line, message),
    onClose: built.close,
  });
}
