import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { RampartConfig } from '../config/schema.js';
import type { EventBus } from '../events/event-bus.js';
import type { Identity } from '../identity/create-identity.js';
import type { IpAccess } from '../protect/ip-access.js';
import type { HotStore } from '../storage/hot-state.js';
import { SqlIncidentStore } from '../storage/sql/sql-incident-store.js';
import { SqlReportSource } from '../storage/sql/sql-report-source.js';
import type { SqlResponseStore } from '../storage/sql/sql-response-store.js';
import type { JobRunner } from './core/job-tracker.js';
import { DetectorEngine } from './detectors/detector-engine.js';
import { IncidentService } from './incidents/incident-service.js';
import readOnlyPlugin from './response/read-only.plugin.js';
import { ReadOnlyMode } from './response/read-only-mode.js';
import { ResponseEngine, type ResponseTargets } from './response/response-engine.js';
import { incidentRoutes } from './routes/incidents.routes.js';
import { reportRoutes } from './routes/reports.routes.js';
import { responseRoutes } from './routes/responses.routes.js';

export interface MonitorResponse {
  detectors: DetectorEngine;
  responses: ResponseEngine;
  incidents: IncidentService;
  readOnly: ReadOnlyMode;
  /** Adds the read-only hook (call early, before other routes). */
  registerHook(app: FastifyInstance): Promise<void>;
  registerRoutes(app: FastifyInstance, identity: Identity): Promise<void>;
  /** Waits for counting and responses in flight (tests). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface CreateMonitorResponseOptions {
  config: RampartConfig;
  db: Kysely<unknown>;
  /** Response actions and the MFA flag; built before identity, whose login consults it. */
  store: SqlResponseStore;
  hot: HotStore;
  events: EventBus;
  identity: Identity;
  ipAccess: IpAccess;
  logger: Logger;
  /** Counts detector flushes as jobs. */
  jobs?: JobRunner;
}

/** Detectors, automated responses, incidents and read-only mode, wired to the bus. */
export async function createMonitorResponse(
  o: CreateMonitorResponseOptions,
): Promise<MonitorResponse> {
  const onError = (error: unknown) => o.logger.error({ err: error }, 'detector or response failed');
  const incidents = new IncidentService({ store: new SqlIncidentStore(o.db), events: o.events });
  const readOnly = new ReadOnlyMode({
    values: o.hot.values,
    pubsub: o.hot.pubsub,
    events: o.events,
    onError,
  });
  const stopReadOnly = await readOnly.start();
  const { identity } = o;
  const targets: ResponseTargets = {
    ipAccess: o.ipAccess,
    accounts: identity.accounts,
    login: identity.login,
    sessions: identity.sessions,
    apiKeys: {
      async revokeById(id, reason, actor) {
        const key = await identity.apiKeys.getManageable(id, { id: 'system', isAdmin: true });
        if (key.revokedAt !== null) return false;
        await identity.apiKeys.revoke(key, reason, actor, {});
        return true;
      },
      async revokeAllOf(accountId, reason, actor) {
        const keys = await identity.apiKeys.list({ kind: 'user', id: accountId });
        const live = keys.filter((k) => k.revokedAt === null);
        for (const key of live) await identity.apiKeys.revoke(key, reason, actor, {});
        return live.length;
      },
    },
  };
  const responses = new ResponseEngine({
    config: o.config,
    store: o.store,
    mfa: o.store,
    incidents,
    readOnly,
    targets,
    events: o.events,
    onError,
  });
  const detectors = new DetectorEngine({
    config: o.config,
    counters: o.hot.counters,
    sets: o.hot.sets,
    events: o.events,
    onError,
    ...(o.jobs ? { jobs: o.jobs } : {}),
  });
  const detach = [responses.attach(o.events), detectors.attach(o.events)];
  const settle = async () => {
    await detectors.settle();
    await responses.settle();
  };
  return {
    detectors,
    responses,
    incidents,
    readOnly,
    async registerHook(app) {
      await app.register(readOnlyPlugin, { mode: readOnly });
    },
    async registerRoutes(app, id) {
      await app.register(responseRoutes, { responses, readOnly, auth: id.auth });
      await app.register(incidentRoutes, { incidents, auth: id.auth });
      await app.register(reportRoutes, {
        source: new SqlReportSource(o.db),
        config: o.config,
        auth: id.auth,
      });
    },
    settle,
    async close() {
      for (const d of detach) d();
      await settle().catch(onError);
      await stopReadOnly();
    },
  };
}
