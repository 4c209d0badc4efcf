import type { RateLimitDecision } from '../store.js';

/*
 * GCRA (the generic cell rate algorithm, ITU-T I.371), chosen over a sliding window:
 * - exact: a request passes iff the quota has room for it, with no approximation between
 *   two fixed windows (a sliding-window *counter* is an estimate) and no per-request
 *   entries (a sliding-window *log* costs memory in proportion to the limit);
 * - one small value per key (the theoretical arrival time), so a Redis decision is one
 *   GET and one SET inside one script, and a refusal writes nothing;
 * - the quota refills continuously (limit/window per ms), so a client that waits gets
 *   units back smoothly instead of all at once at a window edge.
 *
 * State is the "debt": how far the theoretical arrival time (TAT) lies ahead of now. To
 * stay exact with any limit, time is counted in units of 1/limit ms: one request costs
 * `windowMs` units, the bucket holds `windowMs * limit`, and a millisecond repays `limit`.
 * Integer arithmetic throughout (exact below 2^53: window ≤ 1 day and limit ≤ 1e6 give at
 * most 8.64e13). The stored TAT is split into whole ms and a remainder (< limit) so a TAT
 * in absolute ms never has to be multiplied by the limit.
 *
 * The Redis adapter runs the same arithmetic in Lua (redis-rate-limiter-store.ts); the
 * two must stay in step, and the conformance suite runs against both.
 */

/** The stored state: the TAT as whole ms plus a remainder in 1/limit ms. */
export interface GcraState {
  tatMs: number;
  remainder: number;
}

export interface GcraResult {
  decision: RateLimitDecision;
  /** The state to store when allowed; undefined on refusal (nothing changes). */
  next: GcraState | undefined;
}

/**
 * One decision against `state`, which is updated in place when the request is allowed
 * (a fresh key is `{ tatMs: 0, remainder: 0 }`). The in-memory hot path: no allocation
 * besides the decision.
 */
export function gcraConsume(
  state: GcraState,
  nowMs: number,
  limit: number,
  windowMs: number,
  cost: number,
): RateLimitDecision {
  const capacity = windowMs * limit;
  // A remainder left by a larger limit (the policy changed) is clamped.
  const remainder = state.remainder < limit ? state.remainder : limit - 1;
  const debt = Math.max(0, (state.tatMs - nowMs) * limit + remainder);
  const needed = debt + cost * windowMs;
  if (needed > capacity) {
    return {
      allowed: false,
      remaining: Math.floor((capacity - debt) / windowMs),
      resetMs: Math.ceil(debt / limit),
      retryAfterMs: Math.max(1, Math.ceil((needed - capacity) / limit)),
    };
  }
  state.tatMs = nowMs + Math.floor(needed / limit);
  state.remainder = needed % limit;
  return {
    allowed: true,
    remaining: Math.floor((capacity - needed) / windowMs),
    resetMs: Math.ceil(needed / limit),
    retryAfterMs: 0,
  };
}

/** One decision without side effects: the new state when allowed, undefined on refusal. */
export function gcraDecide(
  state: GcraState | undefined,
  nowMs: number,
  limit: number,
  windowMs: number,
  cost: number,
): GcraResult {
  const next = { tatMs: state?.tatMs ?? 0, remainder: state?.remainder ?? 0 };
  const decision = gcraConsume(next, nowMs, limit, windowMs, cost);
  return { decision, next: decision.allowed ? next : undefined };
}
