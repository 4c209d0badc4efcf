import { describe, expect, it } from 'vitest';
import type { HealthObservation } from './health.js';
import { runProbeAttempts } from './probe-attempts.js';

const pass: HealthObservation = { status: 'pass' };
const never = new AbortController().signal;

/** A probe answering from a script, one entry per attempt; counts its attempts. */
function scripted(steps: ('pass' | 'fail' | 'throw' | 'hang')[]) {
  const probe = {
    attempts: 0,
    run(signal: AbortSignal): Promise<HealthObservation> {
      const step = steps[probe.attempts++] ?? 'pass';
      if (step === 'pass') return Promise.resolve(pass);
      if (step === 'fail') return Promise.resolve({ status: 'fail', output: 'status 503' });
      if (step === 'throw')
        return Promise.reject(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }));
      // Ignores its signal entirely: the timeout still ends the attempt.
      void signal;
      return new Promise<HealthObservation>(() => {});
    },
  };
  return probe;
}

describe('a health probe run through the resilience module', () => {
  it('makes one attempt by default and keeps the failed answer', async () => {
    const probe = scripted(['fail', 'pass']);
    const result = await runProbeAttempts({ run: probe.run, timeoutMs: 1000 }, never);
    expect(result).toEqual({ status: 'fail', output: 'status 503' });
    expect(probe.attempts).toBe(1);
  });

  it('retries a failed, a thrown and a hung attempt while retries remain', async () => {
    const probe = scripted(['fail', 'throw', 'hang', 'pass']);
    const result = await runProbeAttempts(
      { run: probe.run, timeoutMs: 50, retries: 3, retryDelayMs: 1 },
      never,
    );
    expect(result).toEqual(pass);
    expect(probe.attempts).toBe(4);
  });

  it('reports the timeout of the last attempt, and an error by its class and code only', async () => {
    const hung = scripted(['hang']);
    expect(await runProbeAttempts({ run: hung.run, timeoutMs: 30 }, never)).toEqual({
      status: 'fail',
      output: 'timed out after 30 ms',
    });
    const refused = scripted(['throw']);
    expect(await runProbeAttempts({ run: refused.run, timeoutMs: 30 }, never)).toEqual({
      status: 'fail',
      output: 'Error ECONNREFUSED',
    });
  });

  it('rejects when stopped, instead of recording a failure', async () => {
    const stop = new AbortController();
    const hung = scripted(['hang']);
    const run = runProbeAttempts({ run: hung.run, timeoutMs: 10_000 }, stop.signal);
    stop.abort();
    await expect(run).rejects.toBeDefined();
  });
});
