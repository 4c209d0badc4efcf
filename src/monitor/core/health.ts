/**
 * Health reports in the `application/health+json` format (draft-inadarei-api-health-check):
 * an overall `status` and, per `component:measurement`, what was observed.
 */
export type HealthStatus = 'pass' | 'warn' | 'fail';

export interface HealthObservation {
  componentId?: string;
  componentType?: string;
  observedValue?: number | string | boolean;
  observedUnit?: string;
  status: HealthStatus;
  output?: string;
}

export interface HealthCheckResult extends HealthObservation {
  time: string;
}

export interface HealthCheck {
  /** `component:measurement`, e.g. `database:responseTime`. */
  name: string;
  run(): Promise<HealthObservation>;
}

export interface HealthReport {
  status: HealthStatus;
  version: string;
  releaseId: string;
  serviceId: string;
  description: string;
  checks: Record<string, HealthCheckResult[]>;
}

const rank: Record<HealthStatus, number> = { pass: 0, warn: 1, fail: 2 };

export function worstStatus(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = 'pass';
  for (const s of statuses) if (rank[s] > rank[worst]) worst = s;
  return worst;
}

function withTimeout(check: HealthCheck, timeoutMs: number): Promise<HealthObservation> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthObservation>((resolve) => {
    timer = setTimeout(
      () => resolve({ status: 'fail', output: `timed out after ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const run = check.run().catch((error: unknown) => ({
    status: 'fail' as const,
    // The error class only: messages from drivers can carry hostnames and user names.
    output:
      error instanceof Error
        ? `${error.name}${'code' in error ? ` ${String(error.code)}` : ''}`
        : 'failed',
  }));
  return Promise.race([run, timeout]).finally(() => clearTimeout(timer));
}

/** Runs every check concurrently, each bounded by `timeoutMs`; a throwing check is a `fail`. */
export async function runHealthChecks(
  checks: readonly HealthCheck[],
  identity: Omit<HealthReport, 'status' | 'checks'>,
  options: { timeoutMs: number; now?: () => number },
): Promise<HealthReport> {
  const now = options.now ?? Date.now;
  const results = await Promise.all(
    checks.map(async (c) => [c.name, await withTimeout(c, options.timeoutMs)] as const),
  );
  const time = new Date(now()).toISOString();
  const out: Record<string, HealthCheckResult[]> = {};
  for (const [name, observation] of results) out[name] = [{ ...observation, time }];
  return { ...identity, status: worstStatus(results.map(([, o]) => o.status)), checks: out };
}
