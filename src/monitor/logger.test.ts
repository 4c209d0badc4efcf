import { hostname } from 'node:os';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, isoTimestamp } from './logger.js';

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

describe('createLogger', () => {
  it('says on every line which process on which host wrote it, children included', () => {
    const chunks: string[] = [];
    const root = createLogger({
      level: 'info',
      destination: { write: (chunk: string) => void chunks.push(chunk) },
    });
    // Fastify's child of the root, and a request's child of that.
    const fastify = root.child({}, { serializers: { err: pino.stdSerializers.err } });
    root.info('root line');
    fastify.child({ reqId: 'r-1' }).warn({ status: 404 }, 'request line');
    const lines = chunks
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      // Right after the level and time, where pino puts its own `pid` and `hostname`.
      expect(Object.entries(line).slice(2, 5)).toEqual([
        ['pid', process.pid],
        ['hostname', hostname()],
        ['service', 'rampart'],
      ]);
    }
    expect(lines[1]).toMatchObject({ reqId: 'r-1', status: 404, msg: 'request line' });
  });
});
