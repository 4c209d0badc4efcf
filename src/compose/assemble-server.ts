import type { FastifyInstance } from 'fastify';
import type { AuditTrail } from '../audit/audit-trail.js';
import { auditRoutes } from '../audit/routes/audit.routes.js';
import type { Authz } from '../authz/create-authz.js';
import { configRoutes } from '../config/config.routes.js';
import { dashboardPlugin } from '../dashboard/serve-dashboard.js';
import type { GdprService } from '../dataprotect/gdpr-service.js';
import type { ResolvedMasterKey } from '../dataprotect/master-key-file.js';
import { dataKeyRoutes } from '../dataprotect/routes/data-keys.routes.js';
import { gdprRoutes } from '../dataprotect/routes/gdpr.routes.js';
import { masterKeyRoutes } from '../dataprotect/routes/master-keys.routes.js';
import secretScanPlugin from '../dataprotect/scanner/secret-scan.plugin.js';
import type { LiveEventRelay } from '../events/live-event-relay.js';
import type { Gateway } from '../gateway/create-gateway.js';
import { gatewayPlugin } from '../gateway/plugin.js';
import { buildServer } from '../http/server.js';
import { AccountAdminService } from '../identity/core/account-admin-service.js';
import { oauthPlugin } from '../identity/oauth/index.js';
import identityPlugin from '../identity/plugin.js';
import { adminAccountRoutes } from '../identity/routes/admin-accounts.routes.js';
import type { IdentityStores } from '../identity/store.js';
import type { Alerts } from '../monitor/alerts/create-alerts.js';
import { alertsPlugin } from '../monitor/alerts/plugin.js';
import type { MonitorResponse } from '../monitor/create-monitor-response.js';
import type { HealthService } from '../monitor/health/health-service.js';
import type { RampartMetrics } from '../monitor/metrics/rampart-metrics.js';
import type { OverviewSampler } from '../monitor/overview-sampler.js';
import { eventsStreamRoutes } from '../monitor/routes/events-stream.routes.js';
import { healthRoutes } from '../monitor/routes/health.routes.js';
import { healthChecksRoutes } from '../monitor/routes/health-checks.routes.js';
import { metricsRoutes } from '../monitor/routes/metrics.routes.js';
import { overviewRoutes } from '../monitor/routes/overview.routes.js';
import type { Protect } from '../protect/create-protect.js';
import idempotencyPlugin from '../protect/idempotency.js';
import type { IpAccess } from '../protect/ip-access.js';
import ipAccessPlugin from '../protect/ip-access.plugin.js';
import protectPlugin from '../protect/plugin.js';
import { rateLimitRuleRoutes } from '../protect/rate-limit-rules.routes.js';
import { rampartVersion } from '../version.js';
import type { ComposeContext } from './compose-context.js';
import { createGdpr, type KeyRings } from './data-protection.js';
import { readinessChecks } from './health.js';
import type { IdentityParts } from './identity-and-authz.js';

/** Every capability built before the server, as the earlier steps returned them. */
export interface ServerParts {
  readonly masterKey: ResolvedMasterKey;
  readonly stores: IdentityStores;
  readonly audit: AuditTrail | undefined;
  readonly keyRings: KeyRings;
  readonly authz: Authz;
  readonly identity: IdentityParts;
  readonly protect: Protect;
  readonly gateway: Gateway;
  readonly metrics: RampartMetrics | undefined;
  readonly health: HealthService | undefined;
  readonly liveEvents: LiveEventRelay;
  readonly overview: OverviewSampler;
  readonly alerts: Alerts;
  readonly ipAccess: IpAccess;
  readonly response: MonitorResponse;
}

/**
 * The HTTP server with every hook, plugin and route, ready. The order is the contract:
 * hooks added through `onRoute` only reach routes registered after them, Fastify matches
 * and the OpenAPI document lists routes in this order, and the embedding application's
 * `register` comes last.
 */
export async function assembleServer(
  ctx: ComposeContext,
  parts: ServerParts,
  register: ((app: FastifyInstance) => Promise<void>) | undefined,
): Promise<{ app: FastifyInstance; gdpr: GdprService }> {
  const { config, logger } = ctx;
  const app = await buildServer({ config, logger, version: rampartVersion });
  try {
    return await assembleOn(app, ctx, parts, register);
  } catch (error) {
    // A start that fails here still closes the server: its plugins' onClose hooks run.
    await app.close().catch(() => {});
    throw error;
  }
}

async function assembleOn(
  app: FastifyInstance,
  ctx: ComposeContext,
  parts: ServerParts,
  register: ((app: FastifyInstance) => Promise<void>) | undefined,
): Promise<{ app: FastifyInstance; gdpr: GdprService }> {
  const { config, logger, database, hot, events } = ctx;
  const { stores, audit, authz, protect, gateway, metrics, health, response } = parts;
  const { identity, oauth, oauthStore } = parts.identity;
  const { dataKeys, masterKeys } = parts.keyRings;
  // First of the hooks added here, so requests refused by IP rules are counted too.
  metrics?.instrument(app);
  // Step-up and approval guards hook onRoute: before every route (the IP-rule admin
  // routes included) and ahead of idempotency replays.
  await authz.registerGuards(app);
  // Address rules run before anything else a request meets.
  await app.register(ipAccessPlugin, { access: parts.ipAccess, auth: identity.auth });
  await response.registerHook(app);
  // Before any POST route is added: it hooks into each of them.
  await app.register(idempotencyPlugin, {
    sets: hot.sets,
    values: hot.values,
    // Short-lived cached responses in the hot store, out of reach of re-encryption: the
    // master-key sealer, so a data key retirement never strands one.
    sealer: parts.keyRings.masterSealer,
    ttlMs: config.idempotency.ttl * 1000,
    maxBodyBytes: config.idempotency.maxBodyBytes,
  });
  const readiness = readinessChecks({ database, hot, identity, protect });
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
    identitiesOfNow: oauth.identitiesOfNow,
  });
  await app.register(oauthPlugin, oauth.pluginOptions);
  await response.registerRoutes(app, identity);
  // After the hooks it relies on (IP rules, idempotency, rate limits), so they cover it.
  if (gateway.pluginOptions) await app.register(gatewayPlugin, gateway.pluginOptions);
  if (audit) await app.register(auditRoutes, { audit, auth: identity.auth });
  if (health) await app.register(healthChecksRoutes, { health, auth: identity.auth });
  await app.register(overviewRoutes, {
    sampler: parts.overview,
    auth: identity.auth,
    httpSeries: metrics !== undefined,
  });
  await app.register(eventsStreamRoutes, {
    relay: parts.liveEvents,
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
    erase: (id, actor, context) => gdpr.eraseByAdministrator(id, actor, context),
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
  const gdpr = createGdpr(ctx, { stores, identity, audit, masterKey: parts.masterKey });
  await app.register(gdprRoutes, { gdpr, auth: identity.auth });
  await app.register(adminAccountRoutes, { auth: identity.auth, admin: accountAdmin });
  await app.register(alertsPlugin, { service: parts.alerts.service, auth: identity.auth });
  if (register) await register(app);
  await app.ready();
  return { app, gdpr };
}
