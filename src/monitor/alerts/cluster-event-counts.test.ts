import { describe, expect, it } from 'vitest';
import { EventBus } from '../../events/event-bus.js';
import type { SecurityEventInput } from '../../events/security-event.js';
import type { CounterStore } from '../../storage/hot-state.js';
import { createMemoryHotStore } from '../../storage/memory/memory-hot-store.js';
import { ClusterEventCounts } from './cluster-event-counts.js';

const failedLogin: SecurityEventInput = {
  type: 'auth.login.failed',
  outcome: 'failure',
  actor: { kind: 'anonymous' },
  details: {},
};

describe('security-event counts shared by the cluster', () => {
  it('sums what every node counted, filtered by labels and grouped like a metric', async () => {
    const hot = createMemoryHotStore();
    const nodes = [
      new EventBus({ onHandlerError: () => {} }),
      new EventBus({ onHandlerError: () => {} }),
    ].map((events) => ({
      events,
      counts: new ClusterEventCounts({
        events,
        counters: hot.counters,
        flushMs: 60_000,
        onError: () => {},
      }),
    }));
    for (const n of nodes) n.counts.start();
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    await a.events.publish(failedLogin);
    await b.events.publish(failedLogin);
    await b.events.publish(failedLogin);
    await b.events.publish({
      type: 'auth.login.succeeded',
      outcome: 'success',
      actor: { kind: 'system' },
      details: {},
    });
    // Nothing is shared until a node flushes.
    expect((await a.counts.read({ type: 'auth.login.failed' }, [])).size).toBe(0);
    await a.counts.flush();
    await b.counts.close();
    const total = await a.counts.read({ type: 'auth.login.failed' }, []);
    expect([...total.values()]).toEqual([{ labels: {}, value: 3 }]);
    const byOutcome = await a.counts.read({ outcome: 'failure' }, ['type']);
    expect([...byOutcome.values()]).toEqual([{ labels: { type: 'auth.login.failed' }, value: 3 }]);
    await a.counts.close();
    await hot.close();
  });

  it('keeps the counts of a failed flush for the next one', async () => {
    const hot = createMemoryHotStore();
    let down = true;
    const counters: CounterStore = {
      ...hot.counters,
      increment: (key, windowMs, by) =>
        down ? Promise.reject(new Error('down')) : hot.counters.increment(key, windowMs, by),
      get: (key) => hot.counters.get(key),
      reset: (key) => hot.counters.reset(key),
    };
    const errors: unknown[] = [];
    const events = new EventBus({ onHandlerError: () => {} });
    const counts = new ClusterEventCounts({
      events,
      counters,
      flushMs: 60_000,
      onError: (e) => errors.push(e),
    });
    counts.start();
    await events.publish(failedLogin);
    await counts.flush();
    expect(errors).toHaveLength(1);
    down = false;
    await counts.close();
    expect([...(await counts.read({ type: 'auth.login.failed' }, [])).values()]).toEqual([
      { labels: {}, value: 1 },
    ]);
    await hot.close();
  });
});
