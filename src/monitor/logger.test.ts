import { afterEach, describe, expect, it, vi } from 'vitest';
import { isoTimestamp } from './logger.js';

afterEach(() => vi.useRealTimers());

function stampAt(ms: number): string {
  vi.setSystemTime(ms);
  return isoTimestamp();
}

describe('isoTimestamp', () => {
  it('writes exactly what toISOString writes, across second, day and year boundaries', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const instants = [
      0,
      999,
      1000,
      1001,
      -1,
      -999,
      -1000,
      -1001,
      -86_400_001,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(2024, 2, 1, 0, 0, 0, 0),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1, 0, 0, 0, 1),
      Date.UTC(10_000, 0, 1, 0, 0, 0, 7),
      8.64e15,
    ];
    // Forward one millisecond at a time, then at random, backwards too (a clock reset).
    let t = Date.UTC(2026, 10, 29, 12, 0, 58, 990);
    for (let i = 0; i < 2000; i++) instants.push(t++);
    for (let i = 0; i < 2000; i++) instants.push(Math.floor(Math.random() * 7e12) - 1e12);
    for (const ms of instants) {
      expect(stampAt(ms)).toBe(`,"time":"${new Date(ms).toISOString()}"`);
    }
  });
});
