import { describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.js';
import type { SecurityEvent } from '../events/security-event.js';
import { type CheckDenial, DenialEvents } from './denial-events.js';

function setup(windowMs = 60_000) {
  let now = 1_700_000_000_000;
  const bus = new EventBus({ onHandlerError: () => {} });
  const seen: SecurityEvent[] = [];
  bus.subscribe('test', (e) => {
    seen.push(e);
  });
  // A long window: the timer never fires during the test; time moves by hand.
  const denials = new DenialEvents({
    events: bus,
    windowMs,
    maxOpen: 3,
    onError: (error) => {
      throw error;
    },
    now: () => now,
  });
  return { denials, seen, advance: (ms: number) => (now += ms) };
}

const denial = (resourceId: string, principal = 'p1'): CheckDenial => ({
  principal: { kind: 'user', id: principal },
  action: 'delete',
  resource: { type: 'reports', id: resourceId },
  reason: 'no_grant',
  caller: { kind: 'api_key', id: 'key-1' },
  requestId: 'req-1',
});

describe('DenialEvents', () => {
  it('publishes the first denial at once and the repeats of its window as one counted event', async () => {
    const { denials, seen } = setup();
    denials.record([denial('a'), denial('a'), denial('a')]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.map((e) => e.details.count)).toEqual([1]);
    expect(seen[0]?.requestId).toBe('req-1');
    await denials.close();
    expect(seen.map((e) => e.details.count)).toEqual([1, 2]);
    expect(seen[1]?.details).toMatchObject({ aggregated: true });
    expect(seen[1]?.requestId).toBeUndefined();
  });

  it('opens a new window once the old one ended, publishing the old repeats first', async () => {
    const { denials, seen, advance } = setup(1000);
    denials.record([denial('a'), denial('a')]);
    advance(1000);
    denials.record([denial('a')]);
    await denials.close();
    expect(seen.map((e) => [e.details.count, e.details.aggregated ?? false])).toEqual([
      [1, false],
      [1, true],
      [1, false],
    ]);
  });

  it('keeps different principals, resources or reasons apart', async () => {
    const { denials, seen } = setup();
    denials.record([denial('a'), denial('b'), denial('a', 'p2'), { ...denial('a'), reason: 'x' }]);
    await denials.close();
    expect(seen).toHaveLength(4);
    expect(seen.every((e) => e.details.count === 1)).toBe(true);
  });

  it('flushes early rather than hold more open windows than allowed', async () => {
    const { denials, seen } = setup();
    denials.record([denial('a'), denial('a'), denial('b'), denial('c')]);
    expect(seen.filter((e) => e.details.aggregated)).toHaveLength(0);
    denials.record([denial('d')]);
    await new Promise((resolve) => setImmediate(resolve));
    // Opening a fourth window flushed the first three: a's repeat is out.
    expect(seen.find((e) => e.details.aggregated)?.target?.id).toBe('a');
    await denials.close();
  });

  it('counts every denial: the counts add up to the number recorded', async () => {
    const { denials, seen } = setup();
    const batch = Array.from({ length: 100 }, (_, i) => denial(i % 2 === 0 ? 'even' : 'odd'));
    denials.record(batch);
    await denials.close();
    expect(seen).toHaveLength(4);
    expect(seen.reduce((sum, e) => sum + Number(e.details.count), 0)).toBe(100);
  });
});
