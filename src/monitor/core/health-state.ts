import type { HealthObservation, HealthStatus } from './health.js';

/** The service as a whole: health+json `pass`, `warn` and `fail`. */
export type OverallHealth = 'healthy' | 'degraded' | 'unhealthy';

/** What a failing check does to the overall status. */
export type CheckImpact = 'degraded' | 'unhealthy';

export const overallToHealthStatus: Readonly<Record<OverallHealth, HealthStatus>> = {
  healthy: 'pass',
  degraded: 'warn',
  unhealthy: 'fail',
};

/** The last run of a check, as observed. */
export interface CheckRun extends HealthObservation {
  /** Milliseconds since the epoch when the run ended. */
  time: number;
  durationMs: number;
}

/** A check's state: its status changes only after `failureThreshold` bad runs in a row. */
export interface CheckState {
  status: HealthStatus;
  /** Consecutive runs that warned or failed. */
  consecutiveFailures: number;
  /** When `status` last changed (or the monitor started). */
  since: number;
  last: CheckRun | undefined;
}

export function initialCheckState(now: number): CheckState {
  return { status: 'pass', consecutiveFailures: 0, since: now, last: undefined };
}

/**
 * The state after one run. A passing run recovers at once; a warning or failing run
 * counts, and moves the status only once `threshold` of them came in a row (flapping
 * targets do not page anyone for one lost packet).
 */
export function applyCheckRun(state: CheckState, run: CheckRun, threshold: number): CheckState {
  const failures = run.status === 'pass' ? 0 : state.consecutiveFailures + 1;
  const status = run.status === 'pass' || failures >= threshold ? run.status : state.status;
  return {
    status,
    consecutiveFailures: failures,
    since: status === state.status ? state.since : run.time,
    last: run,
  };
}

const overallRank: Record<OverallHealth, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/**
 * The overall status: healthy when every check passes; a warning check degrades; a
 * failing check degrades or makes the service unhealthy, as its `impact` says.
 */
export function overallHealth(
  checks: Iterable<{ status: HealthStatus; impact: CheckImpact }>,
): OverallHealth {
  let worst: OverallHealth = 'healthy';
  for (const c of checks) {
    const contribution: OverallHealth =
      c.status === 'pass' ? 'healthy' : c.status === 'warn' ? 'degraded' : c.impact;
    if (overallRank[contribution] > overallRank[worst]) worst = contribution;
  }
  return worst;
}
