import type { Kysely } from 'kysely';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Redactor } from '../dataprotect/core/redaction.js';
import type { Sealer } from '../dataprotect/core/sealer.js';
import { LiveEventRelay } from '../events/live-event-relay.js';
import type { Gateway } from '../gateway/create-gateway.js';
import type { Identity } from '../identity/create-identity.js';
import type { Mailer } from '../mail/mailer.js';
import { type Alerts, createAlerts } from '../monitor/alerts/create-alerts.js';
import { createMonitorResponse, type MonitorResponse } from '../monitor/create-monitor-response.js';
import { registerJobMetrics } from '../monitor/metrics/job-metrics.js';
import { createRampartMetrics, type RampartMetrics } from '../monitor/metrics/rampart-metrics.js';
import { metricsOptionsOf } from '../monitor/metrics/rampart-metrics-sources.js';
import { type OverviewSampler, startOverviewSampler } from '../monitor/overview-sampler.js';
import type { Protect } from '../protect/create-protect.js';
import type { IpAccess } from '../protect/ip-access.js';
import { SqlAlertStore } from '../storage/sql/sql-alert-store.js';
import type { SqlResponseStore } from '../storage/sql/sql-response-store.js';
import type { ComposeContext } from './compose-context.js';

/**
 * Prometheus metrics of this instance, reading every capability built so far and the
 * jobs tracker; undefined when `metrics.enabled` is false.
 */
export function openMetrics(
  ctx: ComposeContext,
  sources: {
    protect: Protect;
    identity: Identity;
    gateway: Gateway;
    audit: AuditTrail | undefined;
  },
): RampartMetrics | undefined {
  const { config, database, hot, events, jobs, cleanups } = ctx;
  const metrics = config.metrics.enabled
    ? createRampartMetrics(
        metricsOptionsOf({
          events,
          dataDir: config.dataDir,
          database,
          hot,
          protect: sources.protect,
          identity: sources.identity,
          gateway: sources.gateway,
          audit: sources.audit,
        }),
      )
    : undefined;
  if (metrics) {
    cleanups.push(async () => metrics.close());
    const stopJobMetrics = registerJobMetrics(metrics.registry, jobs);
    cleanups.push(async () => stopJobMetrics());
  }
  return metrics;
}

/** The dashboard's feeds: live events from every node, and this node's charts. */
export async function startDashboardFeeds(
  ctx: ComposeContext,
  metrics: RampartMetrics | undefined,
  redact: Redactor,
): Promise<{ liveEvents: LiveEventRelay; overview: OverviewSampler }> {
  const { hot, events, logger, cleanups } = ctx;
  const liveEvents = new LiveEventRelay({
    pubsub: hot.pubsub,
    events,
    onError: (error) => logger.warn({ err: error }, 'live event relay failed'),
    // The classification the audit trail applies, the operator's own rules included.
    redactDetails: redact,
  });
  await liveEvents.start();
  cleanups.push(() => liveEvents.close());
  const overview = startOverviewSampler({
    events,
    ...(metrics ? { registry: metrics.registry } : {}),
  });
  cleanups.push(async () => overview.close());
  return { liveEvents, overview };
}

/** Alert rules, channels, silences and the evaluator (leader-elected in a cluster), started. */
export async function startAlerts(
  ctx: ComposeContext,
  parts: { sealer: Sealer; mailer: Mailer; metrics: RampartMetrics | undefined },
): Promise<Alerts> {
  const { config, database, hot, events, jobs, logger } = ctx;
  const { metrics } = parts;
  const alerts = createAlerts({
    config,
    store: new SqlAlertStore(database.db, parts.sealer),
    events,
    hot,
    mailer: parts.mailer,
    jobs,
    ...(metrics ? { registry: metrics.registry } : {}),
    onError: (error, task) => logger.error({ err: error }, `${task} failed`),
  });
  await alerts.start();
  ctx.cleanups.push(() => alerts.close());
  return alerts;
}

/** Detectors, automated responses (bans through `ipAccess`), incidents and read-only mode. */
export async function openResponse(
  ctx: ComposeContext,
  parts: { responseStore: SqlResponseStore; identity: Identity; ipAccess: IpAccess },
): Promise<MonitorResponse> {
  const { config, database, hot, events, logger, jobs } = ctx;
  const response = await createMonitorResponse({
    config,
    db: database.db as unknown as Kysely<unknown>,
    store: parts.responseStore,
    hot,
    events,
    identity: parts.identity,
    ipAccess: parts.ipAccess,
    logger,
    jobs,
  });
  ctx.cleanups.push(() => response.close());
  return response;
}
