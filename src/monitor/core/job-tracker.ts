/** How a background job ended. */
export type JobOutcome = 'success' | 'failure';

/** What runs background work: the narrow port other capabilities are given. */
export interface JobRunner {
  /**
   * Runs `fn` as one job of kind `job`: counted active while it runs, then by outcome (a
   * rejection fails; `outcomeOf` may judge a value, e.g. a delivery that gave up).
   */
  track<T>(job: string, fn: () => Promise<T>, outcomeOf?: (value: T) => JobOutcome): Promise<T>;
}

export interface JobCounts {
  active: number;
  success: number;
  failure: number;
  queued: number;
}

/**
 * Counts this instance's background work (health check runs, alert evaluations and
 * deliveries, detector flushes, audit checkpoints and retention): jobs running now, jobs
 * finished by outcome with their durations, and work waiting in queues that report their
 * length. Kept apart from prom-client so the counting is testable and the metrics file
 * only reads it.
 *
 * @example
 * const jobs = new JobTracker();
 * await jobs.track('audit_checkpoint', () => audit.checkpoint());
 * jobs.counts().get('audit_checkpoint'); // { active: 0, success: 1, failure: 0, queued: 0 }
 */
export class JobTracker implements JobRunner {
  readonly #counts = new Map<string, { active: number; success: number; failure: number }>();
  readonly #queues = new Map<string, () => number>();
  readonly #listeners = new Set<(job: string, outcome: JobOutcome, seconds: number) => void>();

  #of(job: string) {
    let c = this.#counts.get(job);
    if (!c) {
      c = { active: 0, success: 0, failure: 0 };
      this.#counts.set(job, c);
    }
    return c;
  }

  async track<T>(
    job: string,
    fn: () => Promise<T>,
    outcomeOf?: (value: T) => JobOutcome,
  ): Promise<T> {
    const c = this.#of(job);
    c.active++;
    const started = performance.now();
    let outcome: JobOutcome = 'failure';
    try {
      const value = await fn();
      outcome = outcomeOf ? outcomeOf(value) : 'success';
      return value;
    } finally {
      c.active--;
      c[outcome]++;
      const seconds = (performance.now() - started) / 1000;
      for (const listener of this.#listeners) listener(job, outcome, seconds);
    }
  }

  /** Reports the length of a queue of `job` work at read time (replaces an earlier one). */
  queue(job: string, length: () => number): void {
    this.#queues.set(job, length);
    this.#of(job);
  }

  /** Calls `listener` as each job ends (the duration histogram). */
  onFinished(listener: (job: string, outcome: JobOutcome, seconds: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Every job kind seen so far, with its counts now. */
  counts(): Map<string, JobCounts> {
    const out = new Map<string, JobCounts>();
    for (const [job, c] of this.#counts)
      out.set(job, { ...c, queued: Math.max(0, this.#queues.get(job)?.() ?? 0) });
    return out;
  }
}
