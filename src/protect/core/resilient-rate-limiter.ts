import type { RateLimitDecision, RateLimiterStore } from '../store.js';

export type RateLimitFailMode = 'open' | 'closed';

/** Thrown by a fail-closed limiter while its shared store is down. */
export class RateLimitStoreUnavailable extends Error {
  constructor(cause: unknown) {
    super('the rate-limit store is unavailable', { cause });
    this.name = 'RateLimitStoreUnavailable';
  }
}

export interface ResilientRateLimiterOptions {
  /** The shared store (Redis). */
  primary: RateLimiterStore;
  /** The per-node store used while the primary is down and the mode is `open`. */
  fallback: RateLimiterStore;
  failMode: RateLimitFailMode;
  /** Called once per transition, never per failed request. */
  onTransition: (to: 'degraded' | 'recovered', error?: unknown) => void;
  /** While degraded, how often a decision tries the primary again; default 1 s. */
  probeIntervalMs?: number;
  now?: () => number;
}

/**
 * A shared store with a defined behaviour when it fails. While the primary fails, decisions
 * go to the fallback (fail open: limits hold per node) or are refused (fail closed), and the
 * primary is retried at most once per probe interval, so an outage costs one timeout per
 * interval rather than one per request.
 */
export class ResilientRateLimiter implements RateLimiterStore {
  readonly kind: 'memory' | 'redis';
  readonly failMode: RateLimitFailMode;
  readonly #primary: RateLimiterStore;
  readonly #fallback: RateLimiterStore;
  readonly #onTransition: ResilientRateLimiterOptions['onTransition'];
  readonly #probeIntervalMs: number;
  readonly #now: () => number;
  #degraded = false;
  #nextProbeAt = 0;
  #lastError: unknown;

  constructor(options: ResilientRateLimiterOptions) {
    this.kind = options.primary.kind;
    this.failMode = options.failMode;
    this.#primary = options.primary;
    this.#fallback = options.fallback;
    this.#onTransition = options.onTransition;
    this.#probeIntervalMs = options.probeIntervalMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  get degraded(): boolean {
    return this.#degraded;
  }

  async consume(
    key: string,
    limit: number,
    windowMs: number,
    cost = 1,
  ): Promise<RateLimitDecision> {
    if (this.#degraded && this.#now() < this.#nextProbeAt)
      return this.#whileDegraded(key, limit, windowMs, cost);
    try {
      const decision = await this.#primary.consume(key, limit, windowMs, cost);
      this.#markHealthy();
      return decision;
    } catch (error) {
      this.#markDegraded(error);
      return this.#whileDegraded(key, limit, windowMs, cost);
    }
  }

  /** Pings the primary and updates the state; resolves true when it answers. */
  async probe(): Promise<boolean> {
    try {
      await this.#primary.ping();
      this.#markHealthy();
      return true;
    } catch (error) {
      this.#markDegraded(error);
      return false;
    }
  }

  async ping(): Promise<number> {
    return this.#primary.ping();
  }

  async close(): Promise<void> {
    await Promise.all([this.#primary.close(), this.#fallback.close()]);
  }

  #whileDegraded(key: string, limit: number, windowMs: number, cost: number) {
    if (this.failMode === 'closed') throw new RateLimitStoreUnavailable(this.#lastError);
    return this.#fallback.consume(key, limit, windowMs, cost);
  }

  #markDegraded(error: unknown): void {
    this.#lastError = error;
    this.#nextProbeAt = this.#now() + this.#probeIntervalMs;
    if (this.#degraded) return;
    this.#degraded = true;
    this.#onTransition('degraded', error);
  }

  #markHealthy(): void {
    if (!this.#degraded) return;
    this.#degraded = false;
    this.#lastError = undefined;
    this.#onTransition('recovered');
  }
}
