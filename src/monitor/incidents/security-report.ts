import { detectorNames } from '../../config/response-schema.js';
import type { RampartConfig } from '../../config/schema.js';
import type { ResponseActionRecord } from '../response/store.js';
import { incidentDurations, meanDurations } from './incident-service.js';
import type { Incident } from './store.js';

/** Event counts per type and outcome over a period (from the audit trail). */
export interface EventCounts {
  countByType(
    from: number,
    to: number,
  ): Promise<{ type: string; outcome: string; count: number }[]>;
  /** Response actions created in the period. */
  responseActions(
    from: number,
    to: number,
  ): Promise<Pick<ResponseActionRecord, 'action' | 'status'>[]>;
  /** Incidents opened in the period. */
  incidents(from: number, to: number): Promise<Incident[]>;
}

export interface ComplianceControl {
  control: string;
  enabled: boolean;
  detail: string;
}

/** Which security controls this configuration turns on (a coverage checklist). */
export function complianceControls(config: RampartConfig): ComplianceControl[] {
  const detectors = detectorNames.filter(
    (d) => config.detectors.enabled && config.detectors[d].enabled,
  );
  return [
    {
      control: 'audit_trail',
      enabled: config.audit.enabled,
      detail: 'hash-chained audit trail of every security event',
    },
    {
      control: 'mfa_for_admins',
      enabled: config.mfa.requiredRoles.includes('ADMIN'),
      detail: `MFA required for roles: ${config.mfa.requiredRoles.join(', ') || 'none'}`,
    },
    {
      control: 'account_lockout',
      enabled: config.lockout.maxFailures <= 10,
      detail: `lock after ${config.lockout.maxFailures} failures`,
    },
    {
      control: 'password_policy',
      enabled: config.password.minLength >= 12,
      detail: `minimum length ${config.password.minLength}`,
    },
    {
      control: 'rate_limiting',
      enabled: config.rateLimit.enabled,
      detail: 'rate limits per IP, user, key or route',
    },
    {
      control: 'security_detectors',
      enabled: detectors.length > 0,
      detail: `${detectors.length} of ${detectorNames.length} detectors on`,
    },
    {
      control: 'automated_response',
      enabled: config.responses.enabled && !config.responses.dryRun,
      detail: config.responses.dryRun
        ? 'dry run only'
        : config.responses.enabled
          ? 'acting on signals'
          : 'off',
    },
    { control: 'metrics', enabled: config.metrics.enabled, detail: 'Prometheus metrics' },
    {
      control: 'audit_retention',
      enabled: config.audit.retentionDays === 0 || config.audit.retentionDays >= 365,
      detail:
        config.audit.retentionDays === 0 ? 'kept forever' : `${config.audit.retentionDays} days`,
    },
  ];
}

const count = (
  rows: { type: string; outcome: string; count: number }[],
  type: string,
  outcome?: string,
) =>
  rows
    .filter((r) => r.type === type && (outcome === undefined || r.outcome === outcome))
    .reduce((n, r) => n + r.count, 0);

/** The security report over [from, to): authentication, operations, compliance, incidents. */
export async function securityReport(
  source: EventCounts,
  config: RampartConfig,
  from: number,
  to: number,
) {
  const rows = await source.countByType(from, to);
  const succeeded = count(rows, 'auth.login.succeeded');
  const failed = count(rows, 'auth.login.failed');
  const actions = await source.responseActions(from, to);
  const byAction: Record<string, Record<string, number>> = {};
  for (const a of actions) {
    const entry = byAction[a.action] ?? {};
    entry[a.status] = (entry[a.status] ?? 0) + 1;
    byAction[a.action] = entry;
  }
  const incidents = await source.incidents(from, to);
  const tally = (key: 'severity' | 'status') => {
    const out: Record<string, number> = {};
    for (const i of incidents) out[i[key]] = (out[i[key]] ?? 0) + 1;
    return out;
  };
  const controls = complianceControls(config);
  return {
    period: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    authentication: {
      loginsSucceeded: succeeded,
      loginsFailed: failed,
      failureRate:
        succeeded + failed === 0
          ? 0
          : Math.round((failed / (succeeded + failed)) * 10_000) / 10_000,
      mfaChallenges: count(rows, 'auth.mfa.challenged'),
      mfaFailures: count(rows, 'auth.mfa.failed'),
      accountLockouts: count(rows, 'auth.account.locked'),
      ipThrottled: count(rows, 'auth.ip.throttled'),
      refreshTokenReuse: count(rows, 'auth.refresh.reused'),
      passwordResets: count(rows, 'password.reset'),
    },
    operations: {
      events: rows.reduce((n, r) => n + r.count, 0),
      denied: rows.filter((r) => r.outcome === 'denied').reduce((n, r) => n + r.count, 0),
      signals: count(rows, 'detector.signal'),
      ipBans: count(rows, 'ip.banned'),
      rateLimited: count(rows, 'ratelimit.exceeded'),
      replays: count(rows, 'signature.replayed'),
      authzDenied: count(rows, 'authz.denied'),
      alertsFired: count(rows, 'alert.firing'),
      responseActions: byAction,
    },
    compliance: {
      coverage:
        Math.round((controls.filter((c) => c.enabled).length / controls.length) * 100) / 100,
      controls,
    },
    incidents: {
      opened: incidents.length,
      bySeverity: tally('severity'),
      byStatus: tally('status'),
      ...meanDurations(incidents),
      items: incidents.map((i) => ({
        id: i.id,
        title: i.title,
        severity: i.severity,
        status: i.status,
        openedAt: new Date(i.openedAt).toISOString(),
        ...incidentDurations(i),
      })),
    },
  };
}

export type SecurityReport = Awaited<ReturnType<typeof securityReport>>;
