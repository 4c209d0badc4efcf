import { describe, expect, it } from 'vitest';
import { createMemoryHotStore } from '../storage/memory/memory-hot-store.js';
import { EventBus } from './event-bus.js';
import { LiveEventRelay, matchesLiveFilter } from './live-event-relay.js';
import type { SecurityEvent } from './security-event.js';

const event = (over: Partial<SecurityEvent>): SecurityEvent => ({
  id: '0190',
  type: 'auth.login.failed',
  time: 0,
  outcome: 'failure',
  severity: 'warning',
  actor: { kind: 'anonymous' },
  details: {},
  ...over,
});

describe('matchesLiveFilter', () => {
  it('matches exact types, prefixes ending in .* and * alone', () => {
    expect(matchesLiveFilter(event({}), { types: ['auth.login.failed'] })).toBe(true);
    expect(matchesLiveFilter(event({}), { types: ['auth.*'] })).toBe(true);
    expect(matchesLiveFilter(event({}), { types: ['*'] })).toBe(true);
    expect(matchesLiveFilter(event({}), { types: ['ip.*', 'auth.login'] })).toBe(false);
    expect(matchesLiveFilter(event({}), { types: ['auth.login.*'] })).toBe(true);
    expect(matchesLiveFilter(event({}), { types: [] })).toBe(true);
  });

  it('applies the outcome and the minimum severity', () => {
    expect(matchesLiveFilter(event({}), { types: [], outcome: 'success' })).toBe(false);
    expect(matchesLiveFilter(event({}), { types: [], minSeverity: 'warning' })).toBe(true);
    expect(matchesLiveFilter(event({}), { types: [], minSeverity: 'critical' })).toBe(false);
    expect(
      matchesLiveFilter(event({ severity: 'info' }), { types: [], minSeverity: 'notice' }),
    ).toBe(false);
  });
});

describe('LiveEventRelay', () => {
  it('delivers bus events to listeners through pub/sub until they stop or it closes', async () => {
    const events = new EventBus({ onHandlerError: () => {} });
    const relay = new LiveEventRelay({
      pubsub: createMemoryHotStore().pubsub,
      events,
      onError: () => {},
    });
    await relay.start();
    const seen: string[] = [];
    const stop = relay.listen((e) => seen.push(e.type));
    await events.publish({
      type: 'ip.banned',
      outcome: 'success',
      actor: { kind: 'system' },
      details: {},
    });
    await expect.poll(() => seen).toEqual(['ip.banned']);
    stop();
    await events.publish({
      type: 'ip.banned',
      outcome: 'success',
      actor: { kind: 'system' },
      details: {},
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toHaveLength(1);
    expect(relay.listenerCount).toBe(0);
    await relay.close();
  });
});
