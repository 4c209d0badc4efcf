/**
 * The port the rate limiter needs from a store: one atomic decision per call. Adapters:
 * memory (one process) and Redis (every node shares one budget).
 */

/** The outcome of one rate-limit decision. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Units still available right after this decision. */
  remaining: number;
  /** Milliseconds until the full quota is available again. */
  resetMs: number;
  /** On refusal, milliseconds until a request of the same cost would pass; 0 when allowed. */
  retryAfterMs: number;
}

export interface RateLimiterStore {
  readonly kind: 'memory' | 'redis';
  /**
   * Spends `cost` units (default 1) of the quota `limit` per `windowMs` at `key`, or
   * refuses without spending anything. Exact under concurrency: of N simultaneous calls
   * against a fresh key, exactly `limit` pass.
   */
  consume(key: string, limit: number, windowMs: number, cost?: number): Promise<RateLimitDecision>;
  /**
   * The same decision without a promise, offered by adapters that decide in-process
   * (memory): the request hooks then spend no microtask on it.
   */
  consumeNow?(key: string, limit: number, windowMs: number, cost?: number): RateLimitDecision;
  /** Round-trips to the store; resolves with the latency in ms. */
  ping(): Promise<number>;
  close(): Promise<void>;
}
