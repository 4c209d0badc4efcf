import { hostname } from 'node:os';
import type { RampartConfig } from '../../config/schema.js';
import type { EventPublisher } from '../../events/event-bus.js';
import type { EventSeverity } from '../../events/security-event.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import type { HealthCheckResult, HealthStatus } from '../core/health.js';
import {
  type CheckChange,
  HealthMonitor,
  type ScheduledCheck,
  type StatusChange,
} from '../core/health-monitor.js';
import {
  type CheckImpact,
  type CheckState,
  type OverallHealth,
  overallToHealthStatus,
} from '../core/health-state.js';
import type { JobRunner } from '../core/job-tracker.js';
import type { HealthHistoryEntry, HealthHistoryQuery, HealthHistoryStore } from '../store.js';

/** One check in a report: health+json fields plus the scheduler's view of it. */
export interface ScheduledCheckResult extends HealthCheckResult {
  componentId: string;
  checkType: string;
  impact: CheckImpact;
  consecutiveFailures: number;
  /** When the status last changed (ISO 8601). */
  since: string;
  durationMs?: number;
}

/** `application/health+json` of this node's scheduled checks. */
export interface ScheduledHealthReport {
  status: HealthStatus;
  health: OverallHealth;
  version: string;
  releaseId: string;
  serviceId: string;
  description: string;
  nodeId: string;
  checks: Record<string, ScheduledCheckResult[]>;
}

export interface HealthServiceOptions {
  config: RampartConfig['health'];
  checks: readonly ScheduledCheck[];
  store: HealthHistoryStore;
  events: EventPublisher;
  releaseId: string;
  /** Counts each check run as a job (the jobs metrics). */
  jobs?: JobRunner;
  /** Failures of background work (history writes, retention). */
  onBackgroundError: (error: unknown, task: string) => void;
  /** Called on every state change, for the log. */
  onChange?: (line: Record<string, unknown>, message: string) => void;
  /** Called when the service closes (the probes' own resources). */
  onClose?: () => void;
  now?: () => number;
}

const hourMs = 3_600_000;

let instances = 0;

/**
 * `<hostname>:<pid>`, and a sequence number for every further instance in the same
 * process (tests and embedders run several nodes in one process).
 */
function defaultNodeId(): string {
  instances += 1;
  const base = `${hostname()}:${process.pid}`;
  return instances === 1 ? base : `${base}:${instances}`;
}

const checkSeverity = (status: HealthStatus, impact: CheckImpact): EventSeverity =>
  status === 'pass'
    ? 'notice'
    : status === 'fail' && impact === 'unhealthy'
      ? 'critical'
      : 'warning';

const statusSeverity: Record<OverallHealth, EventSeverity> = {
  healthy: 'notice',
  degraded: 'warning',
  unhealthy: 'critical',
};

/**
 * The scheduled health checks of one node: runs them (core/health-monitor.ts), turns each
 * state change into a security event, keeps the history with its retention and reports
 * the current state as health+json. In a cluster each node runs its own checks and
 * records them under its `nodeId`.
 *
 * @example
 * const health = new HealthService({ config: config.health, checks, store, events, releaseId, onBackgroundError });
 * health.start();
 * health.report().status; // 'pass' | 'warn' | 'fail'
 * await health.close();
 */
export class HealthService {
  readonly nodeId: string;
  readonly monitor: HealthMonitor;
  readonly #o: HealthServiceOptions;
  readonly #now: () => number;
  readonly #pending = new Set<Promise<unknown>>();
  #buffer: HealthHistoryEntry[] = [];
  #flushScheduled = false;
  #retention: NodeJS.Timeout | undefined;
  #closed: Promise<void> | undefined;
  #lastMs = 0;
  #counter = 0;

  constructor(options: HealthServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.nodeId = options.config.nodeId ?? defaultNodeId();
    this.monitor = new HealthMonitor({
      checks: options.checks,
      now: this.#now,
      ...(options.jobs ? { jobs: options.jobs } : {}),
      onRun: (check, run) => {
        if (!options.config.history.results) return;
        this.#append({
          time: run.time,
          kind: 'run',
          check: check.name,
          checkType: check.type,
          status: run.status,
          previousStatus: null,
          observedValue: run.observedValue ?? null,
          observedUnit: run.observedUnit ?? null,
          output: run.output ?? null,
          durationMs: run.durationMs,
        });
      },
      onCheckChanged: (change) => this.#checkChanged(change),
      onStatusChanged: (change) => this.#statusChanged(change),
    });
  }

  /** Starts the checks and the hourly retention (timers unref'd). */
  start(): void {
    this.monitor.start();
    const prune = () => {
      const before = this.#now() - this.#o.config.history.retentionDays * 24 * hourMs;
      this.#track(
        this.#o.store
          .deleteBefore(before)
          .catch((error: unknown) => this.#o.onBackgroundError(error, 'health history retention')),
      );
    };
    prune();
    this.#retention = setInterval(prune, hourMs);
    this.#retention.unref();
  }

  /** Stops the checks, then waits for history writes and events in flight. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#retention);
      await this.monitor.stop();
      this.#o.onClose?.();
      this.#flush();
      while (this.#pending.size > 0) await Promise.all(this.#pending);
    })();
    return this.#closed;
  }

  /** This node's history; waits for its own writes in flight, so a run is seen at once. */
  async history(query: HealthHistoryQuery): Promise<HealthHistoryEntry[]> {
    this.#flush();
    if (this.#pending.size > 0) await Promise.all(this.#pending);
    return this.#o.store.list(query);
  }

  /** The current state of every check on this node, as health+json. */
  report(): ScheduledHealthReport {
    const checks: Record<string, ScheduledCheckResult[]> = {};
    for (const { check, state } of this.monitor.states()) {
      checks[`${check.name}:${check.measurement}`] = [resultOf(check, state)];
    }
    const health = this.monitor.status();
    return {
      status: overallToHealthStatus[health],
      health,
      version: '1',
      releaseId: this.#o.releaseId,
      serviceId: 'rampart',
      description: 'Rampart scheduled health checks',
      nodeId: this.nodeId,
      checks,
    };
  }

  #checkChanged({ check, previous, state }: CheckChange): void {
    const last = state.last;
    this.#append({
      time: state.since,
      kind: 'check_changed',
      check: check.name,
      checkType: check.type,
      status: state.status,
      previousStatus: previous,
      observedValue: last?.observedValue ?? null,
      observedUnit: last?.observedUnit ?? null,
      output: last?.output ?? null,
      durationMs: last?.durationMs ?? null,
    });
    const details = {
      check: check.name,
      checkType: check.type,
      status: state.status,
      previousStatus: previous,
      consecutiveFailures: state.consecutiveFailures,
      impact: check.impact,
      nodeId: this.nodeId,
      ...(last?.output ? { output: last.output } : {}),
      ...(last?.observedValue !== undefined ? { observedValue: last.observedValue } : {}),
      ...(last?.observedUnit ? { observedUnit: last.observedUnit } : {}),
    };
    this.#o.onChange?.(details, `health check ${check.name} is now ${state.status}`);
    this.#publish({
      type: 'health.check.changed',
      outcome: state.status === 'pass' ? 'success' : 'failure',
      severity: checkSeverity(state.status, check.impact),
      actor: { kind: 'system' },
      target: { type: 'health_check', id: check.name },
      details,
    });
  }

  #statusChanged({ previous, status, time }: StatusChange): void {
    this.#append({
      time,
      kind: 'status_changed',
      check: null,
      checkType: null,
      status: overallToHealthStatus[status],
      previousStatus: overallToHealthStatus[previous],
      observedValue: status,
      observedUnit: null,
      output: null,
      durationMs: null,
    });
    const failing = this.monitor
      .states()
      .filter(({ state }) => state.status !== 'pass')
      .map(({ check }) => check.name);
    const details = { status, previousStatus: previous, failing, nodeId: this.nodeId };
    this.#o.onChange?.(details, `health is now ${status}`);
    this.#publish({
      type: 'health.status.changed',
      outcome: status === 'healthy' ? 'success' : 'failure',
      severity: statusSeverity[status],
      actor: { kind: 'system' },
      target: { type: 'node', id: this.nodeId },
      details,
    });
  }

  #publish(input: Parameters<EventPublisher['publish']>[0]): void {
    this.#track(
      this.#o.events
        .publish(input)
        .catch((error: unknown) => this.#o.onBackgroundError(error, 'health event')),
    );
  }

  // Entries of one run (its result and the changes it caused) are written together.
  #append(entry: Omit<HealthHistoryEntry, 'id' | 'nodeId'>): void {
    this.#buffer.push({ ...entry, id: this.#nextId(entry.time), nodeId: this.nodeId });
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(() => this.#flush());
  }

  /**
   * UUIDv7 with the 12 `rand_a` bits as a counter within a millisecond (RFC 9562 §6.2,
   * method 1): a run and the changes it caused share a millisecond, and the history is
   * ordered by id.
   */
  #nextId(time: number): string {
    let ms = Math.max(time, this.#lastMs);
    this.#counter = ms === this.#lastMs ? this.#counter + 1 : 0;
    if (this.#counter > 0xfff) {
      ms += 1;
      this.#counter = 0;
    }
    this.#lastMs = ms;
    const id = uuidv7(ms);
    return `${id.slice(0, 15)}${this.#counter.toString(16).padStart(3, '0')}${id.slice(18)}`;
  }

  #flush(): void {
    this.#flushScheduled = false;
    const entries = this.#buffer;
    if (entries.length === 0) return;
    this.#buffer = [];
    this.#track(
      this.#o.store
        .append(entries)
        .catch((error: unknown) => this.#o.onBackgroundError(error, 'health history write')),
    );
  }

  #track(promise: Promise<unknown>): void {
    this.#pending.add(promise);
    void promise.finally(() => this.#pending.delete(promise));
  }
}

function resultOf(check: ScheduledCheck, state: CheckState): ScheduledCheckResult {
  const last = state.last;
  return {
    componentId: check.name,
    componentType: last?.componentType ?? 'component',
    checkType: check.type,
    status: state.status,
    ...(last?.observedValue !== undefined ? { observedValue: last.observedValue } : {}),
    ...(last?.observedUnit !== undefined ? { observedUnit: last.observedUnit } : {}),
    ...(last?.output !== undefined
      ? { output: last.output }
      : last
        ? {}
        : { output: 'not run yet' }),
    time: new Date(last?.time ?? state.since).toISOString(),
    impact: check.impact,
    consecutiveFailures: state.consecutiveFailures,
    since: new Date(state.since).toISOString(),
    ...(last ? { durationMs: last.durationMs } : {}),
  };
}
