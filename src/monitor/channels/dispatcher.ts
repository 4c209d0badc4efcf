import { uuidv7 } from '../../shared/uuid-v7.js';
import type { AlertNotification } from '../alerts/core/alert-rule.js';
import type { DeliveryRecord } from '../alerts/store.js';
import type { JobTracker } from '../core/job-tracker.js';
import { CircuitBreaker, CircuitOpenError, retry, TimeoutError } from '../resilience.js';
import { type ChannelSender, DeliveryError } from './channel.js';

export interface DispatcherOptions {
  /** Attempts per delivery, the first included. */
  attempts: number;
  timeoutMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  breakerFailures: number;
  breakerOpenMs: number;
  /** Persists each delivery's outcome. */
  record: (delivery: DeliveryRecord) => Promise<void>;
  /** A delivery that failed for good (after its retries, or refused by an open circuit). */
  onFailed?: (delivery: DeliveryRecord) => void;
  onError: (error: unknown) => void;
  /** Counts each delivery as an `alert_delivery` job, and its queues' length as queued. */
  jobs?: JobTracker;
  now?: () => number;
}

export interface Target {
  name: string;
  sender: ChannelSender;
}

/** One notification to one channel, with the outbox hooks around its delivery. */
export interface DeliveryJob {
  /** The delivery id (idempotency key), the same on every attempt and resend. */
  id: string;
  notification: AlertNotification;
  target: Target;
  /** Runs when the job reaches the head of its channel's queue; false: skip it. */
  claim?: () => Promise<boolean>;
  /** Runs with the recorded outcome. */
  complete?: (record: DeliveryRecord) => Promise<void>;
  /** Runs after a claimed job, whether its delivery and `complete` succeeded or threw. */
  release?: () => void;
}

/**
 * Delivers notifications to channels. Each channel has its own queue (in order: a firing
 * before its resolved), its own circuit breaker, a timeout per attempt and retries with
 * full-jitter backoff; channels never wait for each other, so a slow or dead channel
 * delays only itself.
 */
export class ChannelDispatcher {
  readonly #options: DispatcherOptions;
  readonly #now: () => number;
  readonly #queues = new Map<string, Promise<void>>();
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Deliveries queued behind another one of their channel, over every channel. */
  #waiting = 0;

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    options.jobs?.queue('alert_delivery', () => this.#waiting);
  }

  /** Queues the notification on every target's queue and returns at once. */
  dispatch(notification: AlertNotification, targets: readonly Target[]): void {
    for (const target of targets) this.enqueue({ id: uuidv7(this.#now()), notification, target });
  }

  /** Queues one job on its channel's queue (after the ones already there) and returns at once. */
  enqueue(job: DeliveryJob): void {
    const { target } = job;
    const previous = this.#queues.get(target.name) ?? Promise.resolve();
    this.#waiting++;
    const next = previous
      .then(async () => {
        this.#waiting--;
        if (job.claim && !(await job.claim())) return;
        try {
          const record = await this.#deliverTracked(job);
          await job.complete?.(record);
        } finally {
          job.release?.();
        }
      })
      .then(
        () => {},
        (error: unknown) => this.#options.onError(error),
      );
    this.#queues.set(target.name, next);
    this.#track(next);
    void next.then(() => {
      if (this.#queues.get(target.name) === next) this.#queues.delete(target.name);
    });
  }

  /** Delivers one notification to one channel now (retries included) and records the outcome. */
  async deliver(
    notification: AlertNotification,
    target: Target,
    deliveryId: string = uuidv7(this.#now()),
  ): Promise<DeliveryRecord> {
    const o = this.#options;
    const breaker = this.#breakerOf(target.name);
    const startedAt = this.#now();
    const started = performance.now();
    let attempts = 0;
    let outcome: DeliveryRecord['outcome'] = 'delivered';
    let reason: string | null = null;
    try {
      await retry(
        (signal) =>
          breaker.run(() => {
            attempts++;
            return target.sender.send(notification, signal, deliveryId);
          }),
        {
          attempts: o.attempts,
          timeoutMs: o.timeoutMs,
          baseDelayMs: o.baseDelayMs,
          maxDelayMs: o.maxDelayMs,
          retryable: (e) =>
            !(e instanceof CircuitOpenError) && !(e instanceof DeliveryError && e.permanent),
        },
      );
    } catch (error) {
      outcome = error instanceof CircuitOpenError ? 'refused' : 'failed';
      reason = reasonOf(error);
    }
    const record: DeliveryRecord = {
      id: uuidv7(startedAt),
      notificationId: notification.id,
      deliveryId,
      fingerprint: notification.fingerprint,
      channel: target.name,
      status: notification.status,
      test: notification.test === true,
      outcome,
      attempts,
      error: reason,
      startedAt,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    };
    await o.record(record).catch((error: unknown) => o.onError(error));
    if (outcome !== 'delivered') o.onFailed?.(record);
    return record;
  }

  #deliverTracked(job: DeliveryJob): Promise<DeliveryRecord> {
    const jobs = this.#options.jobs;
    const run = () => this.deliver(job.notification, job.target, job.id);
    return jobs
      ? jobs.track('alert_delivery', run, (r) =>
          r.outcome === 'delivered' ? 'success' : 'failure',
        )
      : run();
  }

  /** The breaker state of each channel that has one. */
  circuitStates(): Record<string, string> {
    return Object.fromEntries([...this.#breakers].map(([name, b]) => [name, b.state]));
  }

  /** Resolves once every queued delivery has finished. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #breakerOf(name: string): CircuitBreaker {
    let breaker = this.#breakers.get(name);
    if (!breaker) {
      breaker = new CircuitBreaker({
        failures: this.#options.breakerFailures,
        openMs: this.#options.breakerOpenMs,
        now: this.#now,
      });
      this.#breakers.set(name, breaker);
    }
    return breaker;
  }

  #track(p: Promise<unknown>): void {
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof TimeoutError) return 'timeout';
  if (error instanceof CircuitOpenError) return 'circuit open';
  if (error instanceof DeliveryError) return error.reason;
  // Transport errors (SMTP and others) by their code only: messages may quote addresses.
  const code = (error as { code?: unknown; responseCode?: unknown }).code;
  return typeof code === 'string' ? `error ${code}` : 'error';
}
