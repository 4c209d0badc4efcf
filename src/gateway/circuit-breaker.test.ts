import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

function breaker() {
  let now = 0;
  const log: string[] = [];
  const b = new CircuitBreaker({
    failures: 3,
    openMs: 1000,
    now: () => now,
    onOpen: (n) => log.push(`open:${n}`),
    onClose: () => log.push('close'),
  });
  return { b, log, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('opens only after the configured consecutive failures; a success resets the count', () => {
    const { b, log } = breaker();
    b.failed();
    b.failed();
    b.succeeded();
    b.failed();
    b.failed();
    expect(b.admit()).toBe('call');
    b.failed();
    expect(log).toEqual(['open:3']);
    expect(b.admit()).toBe(1000);
  });

  it('lets exactly one probe through when half open, and reopens when it fails', () => {
    const { b, log, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failed();
    advance(400);
    expect(b.admit()).toBe(600);
    advance(600);
    expect(b.state).toBe('half_open');
    expect(b.admit()).toBe('probe');
    expect(typeof b.admit()).toBe('number');
    b.failed();
    expect(b.admit()).toBe(1000);
    expect(log).toEqual(['open:3', 'open:4']);
  });

  it('closes when the probe succeeds', () => {
    const { b, log, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failed();
    advance(1000);
    expect(b.admit()).toBe('probe');
    b.succeeded();
    expect(b.state).toBe('closed');
    expect(b.admit()).toBe('call');
    expect(log).toEqual(['open:3', 'close']);
  });

  it('a probe released without a verdict lets the next request probe', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failed();
    advance(1000);
    expect(b.admit()).toBe('probe');
    b.released();
    expect(b.admit()).toBe('probe');
  });
});
