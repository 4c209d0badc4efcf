import { retry, TimeoutError } from '../resilience.js';
import type { HealthObservation } from './health.js';

/** What one run of a check needs to know about its attempts. */
export interface ProbeAttempts {
  timeoutMs: number;
  /** Attempts after the first that failed (default 0). */
  retries?: number;
  /** Backoff base between attempts (full jitter; default 100 ms). */
  retryDelayMs?: number;
  run(signal: AbortSignal): Promise<HealthObservation>;
}

/** A probe that answered `fail`: worth another attempt, and its answer is kept. */
class FailedObservation extends Error {
  constructor(readonly observation: HealthObservation) {
    super('probe failed');
  }
}

function errorOutput(error: unknown): string {
  if (error instanceof TimeoutError) return `timed out after ${error.timeoutMs} ms`;
  // The error class and code only: driver messages can carry hostnames and user names.
  if (!(error instanceof Error)) return 'failed';
  const code = 'code' in error ? ` ${String(error.code)}` : '';
  return `${error.name}${code}`;
}

/**
 * One run of a check through the resilience module: each attempt bounded by the
 * timeout (its signal aborts, and a probe that ignores it is abandoned), a failed or
 * thrown attempt retried with backoff while retries remain. Never rejects unless
 * `stop` aborted: the run's last answer or error becomes a `fail` observation.
 */
export async function runProbeAttempts(
  probe: ProbeAttempts,
  stop: AbortSignal,
): Promise<HealthObservation> {
  try {
    return await retry(
      async (signal) => {
        const observation = await probe.run(signal);
        if (observation.status === 'fail') throw new FailedObservation(observation);
        return observation;
      },
      {
        attempts: 1 + (probe.retries ?? 0),
        timeoutMs: probe.timeoutMs,
        baseDelayMs: probe.retryDelayMs ?? 100,
        maxDelayMs: Math.max(probe.retryDelayMs ?? 100, probe.timeoutMs),
        signal: stop,
      },
    );
  } catch (error) {
    if (stop.aborted) throw error;
    if (error instanceof FailedObservation) return error.observation;
    return { status: 'fail', output: errorOutput(error) };
  }
}
