/**
 * Resilience helpers shared by the alert channels, health checks and the gateway: retry
 * with exponential backoff and full jitter, a timeout per attempt (an AbortSignal the
 * attempt must honour), a fallback, cleanup, and a circuit breaker.
 *
 * @example
 * const breaker = new CircuitBreaker({ failures: 5, openMs: 30_000 });
 * const body = await withFallback(
 *   () => breaker.run(() => retry((signal) => fetchJson(url, signal), { attempts: 3, timeoutMs: 2000 })),
 *   () => cached,
 * );
 */

/** An attempt outlived its timeout; its AbortSignal was aborted. */
export class TimeoutError extends Error {
  readonly code = 'timeout';
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/** The circuit is open: the call was refused without trying. */
export class CircuitOpenError extends Error {
  readonly code = 'circuit_open';
  constructor(readonly retryInMs: number) {
    super('circuit open');
    this.name = 'CircuitOpenError';
  }
}

/**
 * Runs `fn` with a signal that aborts after `timeoutMs` (or when `parent` aborts) and
 * rejects with a TimeoutError at that moment even if `fn` ignores the signal, so a hung
 * peer never holds the caller longer than the timeout.
 */
export async function withTimeout<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  parent?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onParentAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onParentAbort, { once: true });
  try {
    return await Promise.race([
      fn(controller.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new TimeoutError(timeoutMs);
          controller.abort(error);
          reject(error);
        }, timeoutMs);
        if (parent?.aborted) reject(parent.reason);
        parent?.addEventListener('abort', () => reject(parent.reason), { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParentAbort);
  }
}

export interface RetryOptions {
  /** Attempts in all, the first included (>= 1). */
  attempts: number;
  /** Backoff base: the ceiling of the first delay, doubled per retry. */
  baseDelayMs?: number;
  /** Largest ceiling of any delay. */
  maxDelayMs?: number;
  /** Timeout of each attempt (none when absent). */
  timeoutMs?: number;
  /** Aborting it stops the retries (the current attempt's signal aborts too). */
  signal?: AbortSignal;
  /** Whether an error is worth another attempt (default: every error). */
  retryable?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * "Full jitter" backoff (AWS Architecture Blog, "Exponential Backoff and Jitter"): a
 * uniform delay in [0, min(max, base * 2^retry)), which spreads retrying clients apart.
 */
export function backoffDelay(
  retry: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** Calls `fn` until it succeeds or the attempts run out; rejects with the last error. */
export async function retry<T>(
  fn: (signal: AbortSignal, attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const base = options.baseDelayMs ?? 100;
  const max = options.maxDelayMs ?? 10_000;
  const wait = options.sleep ?? sleep;
  let last: unknown;
  for (let attempt = 1; attempt <= Math.max(1, options.attempts); attempt++) {
    if (options.signal?.aborted) throw options.signal.reason;
    try {
      if (options.timeoutMs === undefined) {
        const signal = options.signal ?? new AbortController().signal;
        return await fn(signal, attempt);
      }
      return await withTimeout((signal) => fn(signal, attempt), options.timeoutMs, options.signal);
    } catch (error) {
      last = error;
      if (attempt >= options.attempts || options.signal?.aborted) break;
      if (options.retryable && !options.retryable(error)) break;
      const delay = backoffDelay(attempt - 1, base, max, options.random);
      options.onRetry?.(error, attempt, delay);
      await wait(delay, options.signal);
    }
  }
  throw last;
}

/** The value of `fn`, or of `fallback` (given the error) when `fn` rejects. */
export async function withFallback<T>(
  fn: () => Promise<T>,
  fallback: (error: unknown) => T | Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    return await fallback(error);
  }
}

/**
 * Runs `fn`, then `cleanup` whatever happened. A failing cleanup never hides the result
 * or the error of `fn`: it goes to `onCleanupError`.
 */
export async function withCleanup<T>(
  fn: () => Promise<T>,
  cleanup: () => void | Promise<void>,
  onCleanupError: (error: unknown) => void = () => {},
): Promise<T> {
  try {
    return await fn();
  } finally {
    try {
      await cleanup();
    } catch (error) {
      onCleanupError(error);
    }
  }
}

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failures: number;
  /** Milliseconds the circuit stays open before one probe is let through. */
  openMs: number;
  onOpen?: (consecutiveFailures: number) => void;
  onClose?: () => void;
  now?: () => number;
}

/**
 * A circuit breaker for one upstream. Closed: every request goes through and consecutive
 * failures are counted. After `failures` in a row it opens: requests are refused without
 * calling the upstream for `openMs`. Then it is half open: exactly one probe goes through
 * (the others are still refused); its success closes the circuit, its failure opens it
 * for another `openMs`.
 */
export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions;
  readonly #now: () => number;
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probing = false;

  constructor(options: CircuitBreakerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get state(): CircuitState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#options.openMs) {
      return 'half_open';
    }
    return this.#state;
  }

  /**
   * Whether a request may call the upstream now: `'call'`, `'probe'` (the one half-open
   * request; report its outcome) or the milliseconds until a probe may be tried.
   */
  admit(): 'call' | 'probe' | number {
    if (this.#state === 'closed') return 'call';
    const waited = this.#now() - this.#openedAt;
    if (waited < this.#options.openMs) return this.#options.openMs - waited;
    if (this.#probing) return 1000;
    this.#probing = true;
    this.#state = 'half_open';
    return 'probe';
  }

  succeeded(): void {
    this.#failures = 0;
    this.#probing = false;
    if (this.#state !== 'closed') {
      this.#state = 'closed';
      this.#options.onClose?.();
    }
  }

  failed(): void {
    this.#failures++;
    if (this.#state === 'half_open') {
      this.#probing = false;
      this.#reopen();
    } else if (this.#state === 'closed' && this.#failures >= this.#options.failures) {
      this.#reopen();
    }
  }

  /** A probe that ended without a verdict (the client went away): let another try. */
  released(): void {
    this.#probing = false;
  }

  /**
   * Runs `fn` through the breaker: refused with a CircuitOpenError while open, its outcome
   * counted otherwise.
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const admitted = this.admit();
    if (typeof admitted === 'number') throw new CircuitOpenError(admitted);
    try {
      const value = await fn();
      this.succeeded();
      return value;
    } catch (error) {
      this.failed();
      throw error;
    }
  }

  #reopen(): void {
    this.#state = 'open';
    this.#openedAt = this.#now();
    this.#options.onOpen?.(this.#failures);
  }
}
