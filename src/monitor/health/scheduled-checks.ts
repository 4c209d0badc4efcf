import type { Static } from 'typebox';
import type { HealthCheckConfigSchema } from '../../config/health-schema.js';
import type { RampartConfig } from '../../config/schema.js';
import type { HealthObservation } from '../core/health.js';
import type { ScheduledCheck } from '../core/health-monitor.js';
import type { CheckImpact } from '../core/health-state.js';
import { httpProbe, tcpProbe } from './network-probes.js';
import { auditBacklogProbe, diskProbe, eventLoopProbe, memoryProbe } from './system-probes.js';

export type HealthCheckConfig = Static<typeof HealthCheckConfigSchema>;

/** What the built-in checks look at. */
export interface HealthCheckSources {
  dataDir: string;
  database: { dialect: string; ping(): Promise<number> };
  hot: { kind: string; ping(): Promise<number> };
  /** Events waiting for the audit trail (absent: audit off, the check always passes). */
  auditBacklog?: () => number;
}

export interface BuiltChecks {
  checks: ScheduledCheck[];
  /** Stops what the probes hold (the event-loop sampler). */
  close(): void;
}

const builtinTypes = ['database', 'redis', 'disk', 'memory', 'eventLoop', 'auditBacklog'] as const;

const defaultImpact: Record<HealthCheckConfig['type'], CheckImpact> = {
  http: 'degraded',
  tcp: 'degraded',
  database: 'unhealthy',
  redis: 'unhealthy',
  disk: 'unhealthy',
  memory: 'degraded',
  eventLoop: 'degraded',
  auditBacklog: 'degraded',
};

const measurements: Record<HealthCheckConfig['type'], string> = {
  http: 'responseTime',
  tcp: 'connectTime',
  database: 'responseTime',
  redis: 'responseTime',
  disk: 'freeSpace',
  memory: 'utilization',
  eventLoop: 'delay',
  auditBacklog: 'backlog',
};

const round = (ms: number) => Math.round(ms * 100) / 100;

/** The configured checks, plus the built-ins whose type is not configured (health.builtins). */
export function effectiveCheckConfigs(health: RampartConfig['health']): HealthCheckConfig[] {
  const configured = [...health.checks];
  if (!health.builtins) return configured;
  const listed = new Set(configured.map((c) => c.type));
  // Parsed by the config schema, so the defaults of each built-in's thresholds are filled.
  const defaults: Record<(typeof builtinTypes)[number], HealthCheckConfig> = {
    database: { type: 'database' },
    redis: { type: 'redis' },
    disk: { type: 'disk', warnFreePercent: 15, failFreePercent: 5 },
    memory: { type: 'memory', warnPercent: 85, failPercent: 95 },
    eventLoop: { type: 'eventLoop', warnMs: 200, failMs: 1000 },
    auditBacklog: { type: 'auditBacklog', warnAt: 1000, failAt: 10_000 },
  };
  for (const type of builtinTypes) if (!listed.has(type)) configured.push(defaults[type]);
  return configured;
}

/**
 * Turns `health.*` into scheduled checks with their probes and timings.
 *
 * @example
 * const { checks, close } = buildScheduledChecks(config.health, { dataDir, database, hot });
 */
export function buildScheduledChecks(
  health: RampartConfig['health'],
  sources: HealthCheckSources,
): BuiltChecks {
  const closers: (() => void)[] = [];
  const checks = effectiveCheckConfigs(health).map((c): ScheduledCheck => {
    let run: (signal: AbortSignal) => Promise<HealthObservation>;
    switch (c.type) {
      case 'http':
        run = httpProbe({
          url: c.url,
          method: c.method,
          ...(c.expectedStatus !== undefined ? { expectedStatus: c.expectedStatus } : {}),
        });
        break;
      case 'tcp':
        run = tcpProbe({ host: c.host, port: c.port });
        break;
      case 'database':
        run = async () => ({
          componentId: sources.database.dialect,
          componentType: 'datastore',
          observedValue: round(await sources.database.ping()),
          observedUnit: 'ms',
          status: 'pass',
        });
        break;
      case 'redis':
        run = async () => ({
          componentId: sources.hot.kind,
          componentType: 'datastore',
          observedValue: round(await sources.hot.ping()),
          observedUnit: 'ms',
          status: 'pass',
        });
        break;
      case 'disk':
        run = diskProbe({
          path: c.path ?? sources.dataDir,
          warnFreePercent: c.warnFreePercent,
          failFreePercent: c.failFreePercent,
        });
        break;
      case 'memory':
        run = memoryProbe({ warnPercent: c.warnPercent, failPercent: c.failPercent });
        break;
      case 'eventLoop': {
        const probe = eventLoopProbe({ warnMs: c.warnMs, failMs: c.failMs });
        closers.push(probe.close);
        run = probe.run;
        break;
      }
      case 'auditBacklog':
        run = auditBacklogProbe({
          backlog: sources.auditBacklog ?? (() => 0),
          warnAt: c.warnAt,
          failAt: c.failAt,
        });
        break;
    }
    return {
      name: c.name ?? c.type,
      type: c.type,
      measurement: measurements[c.type],
      intervalMs: (c.interval ?? health.interval) * 1000,
      timeoutMs: c.timeoutMs ?? health.timeoutMs,
      failureThreshold: c.failureThreshold ?? health.failureThreshold,
      impact: c.impact ?? defaultImpact[c.type],
      ...((c.type === 'http' || c.type === 'tcp') && c.retries ? { retries: c.retries } : {}),
      run,
    };
  });
  return {
    checks,
    close: () => {
      for (const close of closers) close();
    },
  };
}
