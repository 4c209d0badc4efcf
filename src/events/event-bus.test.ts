import { describe, expect, it } from 'vitest';
import { EventBus } from './event-bus.js';
import type { SecurityEvent } from './security-event.js';

const input = {
  type: 'auth.login.failed' as const,
  outcome: 'failure' as const,
  actor: { kind: 'anonymous' as const },
  details: { reason: 'wrong_password' },
};

describe('the security event bus', () => {
  it('stamps id, time and the default severity of the type', async () => {
    const bus = new EventBus({ onHandlerError: () => {}, now: () => 1_700_000_000_000 });
    const event = await bus.publish(input);
    expect(event.time).toBe(1_700_000_000_000);
    expect(event.severity).toBe('warning');
    expect(event.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('resolves publish only after asynchronous subscribers finish', async () => {
    const bus = new EventBus({ onHandlerError: () => {} });
    const stored: SecurityEvent[] = [];
    bus.subscribe('durable', async (e) => {
      await new Promise((r) => setTimeout(r, 20));
      stored.push(e);
    });
    await bus.publish(input);
    expect(stored).toHaveLength(1);
  });

  it('isolates a failing subscriber: others still run and the publisher does not fail', async () => {
    const errors: string[] = [];
    const bus = new EventBus({ onHandlerError: (_e, _event, name) => errors.push(name) });
    const seen: string[] = [];
    bus.subscribe('throws', () => {
      throw new Error('boom');
    });
    bus.subscribe('rejects', async () => {
      throw new Error('boom');
    });
    bus.subscribe('fine', (e) => {
      seen.push(e.type);
    });
    await expect(bus.publish(input)).resolves.toBeDefined();
    expect(seen).toEqual(['auth.login.failed']);
    expect(errors.sort()).toEqual(['rejects', 'throws']);
  });

  it('refuses a second subscriber under the same name and stops delivering after unsubscribe', async () => {
    const bus = new EventBus({ onHandlerError: () => {} });
    let n = 0;
    const sub = bus.subscribe('count', () => {
      n++;
    });
    expect(() => bus.subscribe('count', () => {})).toThrow();
    await bus.publish(input);
    sub.unsubscribe();
    await bus.publish(input);
    expect(n).toBe(1);
  });
});
