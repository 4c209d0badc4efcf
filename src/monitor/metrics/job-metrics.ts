import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobTracker } from '../core/job-tracker.js';

/**
 * The background jobs of this instance (see JobTracker): running now, finished by
 * outcome, durations, and work waiting in queues (alert deliveries per channel, summed).
 * Returns a function that stops observing.
 *
 * @example
 * const stop = registerJobMetrics(registry, jobs);
 */
export function registerJobMetrics(registry: Registry, jobs: JobTracker): () => void {
  new Gauge({
    name: 'rampart_jobs_active',
    help: 'Background jobs running now, by job.',
    labelNames: ['job'] as const,
    registers: [registry],
    collect() {
      for (const [job, c] of jobs.counts()) this.set({ job }, c.active);
    },
  });
  new Gauge({
    name: 'rampart_jobs_queued',
    help: 'Background work waiting to run, by job (alert deliveries: queued across channels).',
    labelNames: ['job'] as const,
    registers: [registry],
    collect() {
      for (const [job, c] of jobs.counts()) this.set({ job }, c.queued);
    },
  });
  const completed = new Counter({
    name: 'rampart_jobs_completed_total',
    help: 'Background jobs finished, by job and outcome (success, failure).',
    labelNames: ['job', 'outcome'] as const,
    registers: [registry],
    collect() {
      // Every known job shows both outcomes, 0 until one happens (no missing series).
      for (const job of jobs.counts().keys()) {
        this.inc({ job, outcome: 'success' }, 0);
        this.inc({ job, outcome: 'failure' }, 0);
      }
    },
  });
  const duration = new Histogram({
    name: 'rampart_job_duration_seconds',
    help: 'Duration of background jobs, by job.',
    labelNames: ['job'] as const,
    buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10, 60],
    registers: [registry],
  });
  return jobs.onFinished((job, outcome, seconds) => {
    completed.inc({ job, outcome });
    duration.observe({ job }, seconds);
  });
}
