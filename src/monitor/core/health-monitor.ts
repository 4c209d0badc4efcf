import type { HealthObservation, HealthStatus } from './health.js';
import {
  applyCheckRun,
  type CheckImpact,
  type CheckRun,
  type CheckState,
  initialCheckState,
  type OverallHealth,
  overallHealth,
} from './health-state.js';
import type { JobRunner } from './job-tracker.js';
import { runProbeAttempts } from './probe-attempts.js';

/** A check the monitor runs on a schedule. */
export interface ScheduledCheck {
  /** Unique among the checks: `api-upstream`, `database`. */
  name: string;
  /** `http`, `tcp`, `database`, `redis`, `disk`, `memory`, `eventLoop`, `auditBacklog`. */
  type: string;
  /** The health+json measurement (`responseTime`, `freeSpace`…). */
  measurement: string;
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  impact: CheckImpact;
  /** Attempts after a failed one within a run (http and tcp checks; default 0). */
  retries?: number;
  /** One probe; it should stop its I/O when `signal` aborts (the timeout). */
  run(signal: AbortSignal): Promise<HealthObservation>;
}

export interface CheckChange {
  check: ScheduledCheck;
  previous: HealthStatus;
  state: CheckState;
}

export interface StatusChange {
  previous: OverallHealth;
  status: OverallHealth;
  time: number;
}

export interface HealthMonitorOptions {
  checks: readonly ScheduledCheck[];
  /** Every run, after the state was updated. */
  onRun?: (check: ScheduledCheck, run: CheckRun, state: CheckState) => void;
  /** A check's status changed (once per change). */
  onCheckChanged?: (change: CheckChange) => void;
  /** The overall status changed (once per change). */
  onStatusChanged?: (change: StatusChange) => void;
  /** Counts each run as a `health_check` job (failure: the check failed). */
  jobs?: JobRunner;
  now?: () => number;
}

/**
 * Runs each check on its own interval (a timer re-armed after each run, so a slow check
 * never overlaps itself), bounds each attempt by the timeout (retrying as configured), keeps each check's state with
 * its consecutive-failure threshold and derives the overall status. Timers are unref'd:
 * the monitor never holds the process open.
 *
 * @example
 * const monitor = new HealthMonitor({ checks, onCheckChanged: (c) => log.warn(c) });
 * monitor.start();
 * monitor.status(); // 'healthy' | 'degraded' | 'unhealthy'
 * await monitor.stop();
 */
export class HealthMonitor {
  readonly #checks: readonly ScheduledCheck[];
  readonly #o: HealthMonitorOptions;
  readonly #now: () => number;
  readonly #states = new Map<string, CheckState>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #aborts = new Set<AbortController>();
  #status: OverallHealth = 'healthy';
  #started = false;
  #stopped = false;

  constructor(options: HealthMonitorOptions) {
    const names = new Set<string>();
    for (const c of options.checks) {
      if (names.has(c.name)) throw new Error(`health check ${c.name} is defined twice`);
      names.add(c.name);
    }
    this.#checks = options.checks;
    this.#o = options;
    this.#now = options.now ?? Date.now;
    const now = this.#now();
    for (const c of options.checks) this.#states.set(c.name, initialCheckState(now));
  }

  get checks(): readonly ScheduledCheck[] {
    return this.#checks;
  }

  /** The current overall status. */
  status(): OverallHealth {
    return this.#status;
  }

  /** Each check with its current state, in configuration order. */
  states(): { check: ScheduledCheck; state: CheckState }[] {
    return this.#checks.map((check) => ({
      check,
      state: this.#states.get(check.name) ?? initialCheckState(this.#now()),
    }));
  }

  /** Runs every check at once, then each on its interval. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    for (const check of this.#checks) this.#schedule(check, 0);
  }

  /** Runs every check now (outside the schedule) and resolves when all are done. */
  async runAll(): Promise<void> {
    await Promise.all(this.#checks.map((c) => this.#runGuarded(c)));
  }

  /** Stops the timers, aborts the runs in flight and waits for them. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const abort of this.#aborts) abort.abort();
    await Promise.all(this.#running.values());
  }

  #schedule(check: ScheduledCheck, delayMs: number): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(check.name);
      void this.#runGuarded(check).then(() => this.#schedule(check, check.intervalMs));
    }, delayMs);
    timer.unref();
    this.#timers.set(check.name, timer);
  }

  // One run per check at a time: a manual run joins the scheduled one in flight.
  #runGuarded(check: ScheduledCheck): Promise<void> {
    const inFlight = this.#running.get(check.name);
    if (inFlight !== undefined) return inFlight;
    const run = this.#runOnce(check).finally(() => this.#running.delete(check.name));
    this.#running.set(check.name, run);
    return run;
  }

  async #runOnce(check: ScheduledCheck): Promise<void> {
    const abort = new AbortController();
    this.#aborts.add(abort);
    const started = performance.now();
    let observation: HealthObservation;
    try {
      const attempts = () => runProbeAttempts(check, abort.signal);
      observation = this.#o.jobs
        ? await this.#o.jobs.track('health_check', attempts, (o) =>
            o.status === 'fail' ? 'failure' : 'success',
          )
        : await attempts();
    } catch {
      return; // stopped
    } finally {
      this.#aborts.delete(abort);
    }
    if (this.#stopped) return;
    const run: CheckRun = {
      ...observation,
      time: this.#now(),
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    };
    this.#record(check, run);
  }

  #record(check: ScheduledCheck, run: CheckRun): void {
    const previous = this.#states.get(check.name) ?? initialCheckState(run.time);
    const state = applyCheckRun(previous, run, check.failureThreshold);
    this.#states.set(check.name, state);
    this.#o.onRun?.(check, run, state);
    if (state.status === previous.status) return;
    this.#o.onCheckChanged?.({ check, previous: previous.status, state });
    const status = overallHealth(
      this.#checks.map((c) => ({
        status: this.#states.get(c.name)?.status ?? 'pass',
        impact: c.impact,
      })),
    );
    if (status === this.#status) return;
    const change: StatusChange = { previous: this.#status, status, time: run.time };
    this.#status = status;
    this.#o.onStatusChanged?.(change);
  }
}
