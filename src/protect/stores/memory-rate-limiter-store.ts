import { type GcraState, gcraConsume } from '../core/gcra.js';
import type { RateLimitDecision, RateLimiterStore } from '../store.js';

interface Entry extends GcraState {
  /** When the debt is repaid and the entry means nothing any more. */
  expiresAt: number;
}

export interface MemoryRateLimiterStoreOptions {
  now?: () => number;
  /** How often repaid entries are swept; default 30 s. */
  sweepIntervalMs?: number;
}

/**
 * Rate limits for one process. Decisions are synchronous inside the store, so concurrent
 * requests cannot interleave between reading and writing a key: exact by construction.
 * Budgets are not shared with other nodes (a cluster uses the Redis adapter).
 */
export class MemoryRateLimiterStore implements RateLimiterStore {
  readonly kind = 'memory';
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: MemoryRateLimiterStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 30_000);
    this.#sweeper.unref();
  }

  /** The decision without a promise: the request hooks call this directly. */
  consumeNow(key: string, limit: number, windowMs: number, cost = 1): RateLimitDecision {
    const now = this.#now();
    const entry = this.#entries.get(key);
    if (entry) {
      const decision = gcraConsume(entry, now, limit, windowMs, cost);
      if (decision.allowed) entry.expiresAt = now + decision.resetMs;
      return decision;
    }
    const fresh: Entry = { tatMs: 0, remainder: 0, expiresAt: 0 };
    const decision = gcraConsume(fresh, now, limit, windowMs, cost);
    if (decision.allowed) {
      fresh.expiresAt = now + decision.resetMs;
      this.#entries.set(key, fresh);
    }
    return decision;
  }

  async consume(
    key: string,
    limit: number,
    windowMs: number,
    cost = 1,
  ): Promise<RateLimitDecision> {
    return this.consumeNow(key, limit, windowMs, cost);
  }

  sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  async ping(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#entries.clear();
  }
}
