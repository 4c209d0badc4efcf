import { describe, expect, it } from 'vitest';
import { applyCheckRun, type CheckRun, initialCheckState, overallHealth } from './health-state.js';

const run = (status: CheckRun['status'], time: number): CheckRun => ({
  status,
  time,
  durationMs: 1,
});

describe('check state', () => {
  it('changes to failing only after the threshold of bad runs in a row, and recovers on one pass', () => {
    let s = initialCheckState(0);
    s = applyCheckRun(s, run('fail', 1), 3);
    s = applyCheckRun(s, run('fail', 2), 3);
    expect(s).toMatchObject({ status: 'pass', consecutiveFailures: 2, since: 0 });
    s = applyCheckRun(s, run('fail', 3), 3);
    expect(s).toMatchObject({ status: 'fail', consecutiveFailures: 3, since: 3 });
    s = applyCheckRun(s, run('fail', 4), 3);
    expect(s.since).toBe(3);
    s = applyCheckRun(s, run('pass', 5), 3);
    expect(s).toMatchObject({ status: 'pass', consecutiveFailures: 0, since: 5 });
  });

  it('starts counting again after a pass between failures (a flapping target does not fail)', () => {
    let s = initialCheckState(0);
    for (const [i, status] of (['fail', 'fail', 'pass', 'fail', 'fail'] as const).entries()) {
      s = applyCheckRun(s, run(status, i + 1), 3);
    }
    expect(s.status).toBe('pass');
  });

  it('derives healthy, degraded and unhealthy from the checks and their impact', () => {
    expect(overallHealth([{ status: 'pass', impact: 'unhealthy' }])).toBe('healthy');
    expect(
      overallHealth([
        { status: 'warn', impact: 'unhealthy' },
        { status: 'pass', impact: 'degraded' },
      ]),
    ).toBe('degraded');
    expect(overallHealth([{ status: 'fail', impact: 'degraded' }])).toBe('degraded');
    expect(
      overallHealth([
        { status: 'fail', impact: 'degraded' },
        { status: 'fail', impact: 'unhealthy' },
      ]),
    ).toBe('unhealthy');
  });
});
