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

  #reopen(): void {
    this.#state = 'open';
    this.#openedAt = this.#now();
    this.#options.onOpen?.(this.#failures);
  }
}
