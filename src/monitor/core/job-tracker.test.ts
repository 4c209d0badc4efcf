import { describe, expect, it } from 'vitest';
import { JobTracker } from './job-tracker.js';

describe('the job tracker', () => {
  it('counts a job active while it runs, then by its outcome, and reports each duration', async () => {
    const jobs = new JobTracker();
    const finished: string[] = [];
    jobs.onFinished((job, outcome, seconds) => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      finished.push(`${job}:${outcome}`);
    });
    let release = () => {};
    const running = jobs.track('alert_evaluation', () => new Promise<void>((r) => (release = r)));
    expect(jobs.counts().get('alert_evaluation')).toEqual({
      active: 1,
      success: 0,
      failure: 0,
      queued: 0,
    });
    release();
    await running;
    await expect(
      jobs.track('alert_evaluation', () => Promise.reject(new Error('down'))),
    ).rejects.toThrow('down');
    expect(jobs.counts().get('alert_evaluation')).toEqual({
      active: 0,
      success: 1,
      failure: 1,
      queued: 0,
    });
    expect(finished).toEqual(['alert_evaluation:success', 'alert_evaluation:failure']);
    const record = await jobs.track(
      'alert_delivery',
      async () => 'refused',
      () => 'failure',
    );
    expect(record).toBe('refused');
    expect(jobs.counts().get('alert_delivery')?.failure).toBe(1);
  });

  it('reads queue lengths when asked, before any job of the kind ran', () => {
    const jobs = new JobTracker();
    let waiting = 3;
    jobs.queue('alert_delivery', () => waiting);
    expect(jobs.counts().get('alert_delivery')?.queued).toBe(3);
    waiting = 0;
    expect(jobs.counts().get('alert_delivery')?.queued).toBe(0);
  });
});
