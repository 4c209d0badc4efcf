import { describe, expect, it } from 'vitest';
import { type GcraState, gcraDecide } from './gcra.js';

/** Runs `n` decisions at one instant against one key; returns how many passed. */
function burst(n: number, limit: number, windowMs: number, now: number, state?: GcraState) {
  let current = state;
  let passed = 0;
  for (let i = 0; i < n; i++) {
    const { decision, next } = gcraDecide(current, now, limit, windowMs, 1);
    if (decision.allowed) passed++;
    if (next) current = next;
  }
  return { passed, state: current };
}

describe('GCRA', () => {
  it('lets exactly the limit through at one instant, for limits that do not divide the window', () => {
    for (const [limit, windowMs] of [
      [1, 1000],
      [7, 60_000],
      [10, 1000],
      [3, 1000],
      [999, 1000],
      [100_000, 1000],
      [1_000_000, 86_400_000],
    ] as const) {
      expect(
        burst(limit + 5, limit, windowMs, 1_800_000_000_000).passed,
        `${limit}/${windowMs}`,
      ).toBe(limit);
    }
  });

  it('gives one unit back per window/limit ms, and the whole quota after one window', () => {
    const now = 1_800_000_000_000;
    const { state } = burst(7, 7, 70_000, now);
    expect(gcraDecide(state, now + 9_999, 7, 70_000, 1).decision.allowed).toBe(false);
    expect(burst(3, 7, 70_000, now + 10_000, state).passed).toBe(1);
    expect(burst(10, 7, 70_000, now + 70_000, state).passed).toBe(7);
  });

  it('reports remaining, reset and retry-after', () => {
    const now = 1_800_000_000_000;
    const first = gcraDecide(undefined, now, 10, 60_000, 1);
    expect(first.decision).toEqual({ allowed: true, remaining: 9, resetMs: 6000, retryAfterMs: 0 });
    const { state } = burst(10, 10, 60_000, now);
    const refused = gcraDecide(state, now + 1000, 10, 60_000, 1);
    expect(refused.next).toBeUndefined();
    expect(refused.decision).toEqual({
      allowed: false,
      remaining: 0,
      resetMs: 59_000,
      retryAfterMs: 5000,
    });
  });

  it('charges a cost above 1 as that many units', () => {
    const now = 1_800_000_000_000;
    const a = gcraDecide(undefined, now, 10, 1000, 4);
    expect(a.decision.remaining).toBe(6);
    const b = gcraDecide(a.next, now, 10, 1000, 7);
    expect(b.decision.allowed).toBe(false);
    expect(b.decision.remaining).toBe(6);
  });

  it('keeps the time debt when the limit of a policy shrinks', () => {
    const now = 1_800_000_000_000;
    const { state } = burst(1000, 1000, 1000, now);
    const { decision } = gcraDecide(state, now, 2, 1000, 1);
    expect(decision.allowed).toBe(false);
  });
});
