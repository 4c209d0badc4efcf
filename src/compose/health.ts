import type { AuditTrail } from '../audit/audit-trail.js';
import type { Identity } from '../identity/create-identity.js';
import type { HealthCheck } from '../monitor/core/health.js';
import { HealthService } from '../monitor/health/health-service.js';
import { buildScheduledChecks } from '../monitor/health/scheduled-checks.js';
import { registerHealthMetrics } from '../monitor/metrics/health-metrics.js';
import type { RampartMetrics } from '../monitor/metrics/rampart-metrics.js';
import type { Protect } from '../protect/create-protect.js';
import type { DatabaseHandle } from '../storage/database.js';
import type { HotStore } from '../storage/hot-state.js';
import { migrationStatus } from '../storage/migrate.js';
import { SqlHealthHistoryStore } from '../storage/sql/sql-health-store.js';
import { rampartVersion } from '../version.js';
import type { ComposeContext } from './compose-context.js';

/**
 * The scheduled health checks of `health.*`, recording into the database (undefined when
 * `health.enabled` is false); `listen()` starts them. Exported as metrics when both are on.
 */
export function openHealth(
  ctx: ComposeContext,
  audit: AuditTrail | undefined,
  metrics: RampartMetrics | undefined,
): HealthService | undefined {
  const health = ctx.config.health.enabled ? createHealthService(ctx, audit) : undefined;
  if (health) ctx.cleanups.push(() => health.close());
  if (metrics && health) registerHealthMetrics(metrics.registry, health.monitor);
  return health;
}

function createHealthService(ctx: ComposeContext, audit: AuditTrail | undefined): HealthService {
  const { config, logger } = ctx;
  const built = buildScheduledChecks(config.health, {
    dataDir: config.dataDir,
    database: ctx.database,
    hot: ctx.hot,
    ...(audit ? { auditBacklog: () => audit.backlog } : {}),
  });
  return new HealthService({
    config: config.health,
    checks: built.checks,
    store: new SqlHealthHistoryStore(ctx.database.db),
    events: ctx.events,
    releaseId: rampartVersion,
    jobs: ctx.jobs,
    onBackgroundError: (error, task) => logger.error({ err: error }, `${task} failed`),
    onChange: (line, message) =>
      line.status === 'pass' || line.status === 'healthy'
        ? logger.info(line, message)
        : logger.warn(line, message),
    onClose: built.close,
  });
}

/** What GET /health/ready runs: the stores answer, the schema is current, each capability's own. */
export function readinessChecks(sources: {
  database: DatabaseHandle;
  hot: HotStore;
  identity: Identity;
  protect: Protect;
}): HealthCheck[] {
  const { database, hot, identity, protect } = sources;
  return [
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
        componentId: hot.kind,
        componentType: 'datastore',
        observedValue: round(await hot.ping()),
        observedUnit: 'ms',
        status: 'pass',
      }),
    },
    ...identity.readiness,
    ...protect.readiness,
  ];
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
