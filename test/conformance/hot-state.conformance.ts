import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { HotStore } from '../../src/storage/hot-state.js';

/** How a conformance run opens the adapter under test. */
export interface HotStoreHarness {
  /**
   * Opens a store in `namespace`. Stores opened in one namespace are nodes of one
   * deployment; different namespaces are different deployments sharing the backend.
   */
  open(namespace: string): Promise<HotStore>;
  /** A namespace no other test uses. */
  newNamespace(): string;
  /**
   * Whether two stores opened in one namespace share state and messages (Redis), or each
   * instance is an island (memory).
   */
  sharedBetweenInstances: boolean;
}

/** Long enough that nothing expires during a test, even on a loaded machine. */
const longTtl = 60_000;
/** Short real windows for expiry tests; the waits below leave a generous margin. */
const shortTtl = 150;

const oddKeys = [
  'with spaces in it',
  'ünïcødé ключ 鍵 🔑',
  'a:b:c',
  '*',
  'rampart:*',
  '?[ab]\\',
  'line\nbreak\ttab',
  "' OR 1=1 --",
];

/** Collects messages and resolves once `count` have arrived (or rejects after a timeout). */
function collector(): {
  messages: string[];
  handler: (message: string) => void;
  waitFor(count: number, timeoutMs?: number): Promise<string[]>;
} {
  const messages: string[] = [];
  let wake: (() => void) | undefined;
  return {
    messages,
    handler(message) {
      messages.push(message);
      wake?.();
    },
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} messages, got ${messages.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      return [...messages];
    },
  };
}

/**
 * The HotStore port's contract (counters, expiring sets and values, pub/sub), run
 * against one adapter. Every adapter must pass the same tests; the only difference they
 * may show is `sharedBetweenInstances`, which the tests assert both ways.
 */
export function defineHotStoreConformance(harness: HotStoreHarness): void {
  const opened: HotStore[] = [];

  async function open(namespace = harness.newNamespace()): Promise<HotStore> {
    const store = await harness.open(namespace);
    opened.push(store);
    return store;
  }

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  describe('counters', () => {
    it('counts from one and reports the time left in the window', async () => {
      const store = await open();
      const first = await store.counters.increment('k', longTtl);
      expect(first.count).toBe(1);
      expect(first.resetInMs).toBeGreaterThan(longTtl - 5000);
      expect(first.resetInMs).toBeLessThanOrEqual(longTtl);
      const second = await store.counters.increment('k', longTtl);
      expect(second.count).toBe(2);
      expect(second.resetInMs).toBeLessThanOrEqual(first.resetInMs);
      expect(await store.counters.get('k')).toBe(2);
    });

    it('adds more than one when asked', async () => {
      const store = await open();
      expect((await store.counters.increment('k', longTtl, 5)).count).toBe(5);
      expect((await store.counters.increment('k', longTtl, 3)).count).toBe(8);
      expect((await store.counters.increment('k', longTtl)).count).toBe(9);
      expect(await store.counters.get('k')).toBe(9);
    });

    it('keeps the window started by the first increment instead of extending it', async () => {
      const store = await open();
      const first = await store.counters.increment('k', 400);
      await sleep(150);
      const second = await store.counters.increment('k', 400);
      expect(second.count).toBe(2);
      expect(second.resetInMs).toBeLessThanOrEqual(first.resetInMs - 100);
    });

    it('forgets the count when the window ends and starts a new window on the next increment', async () => {
      const store = await open();
      await store.counters.increment('k', shortTtl);
      await store.counters.increment('k', shortTtl);
      await sleep(shortTtl + 250);
      expect(await store.counters.get('k')).toBe(0);
      const next = await store.counters.increment('k', longTtl);
      expect(next.count).toBe(1);
      expect(next.resetInMs).toBeGreaterThan(longTtl - 5000);
    });

    it('never loses an update: 200 concurrent increments count to 200, each count returned once', async () => {
      const store = await open();
      const results = await Promise.all(
        Array.from({ length: 200 }, () => store.counters.increment('hot', longTtl)),
      );
      const counts = results.map((r) => r.count).sort((a, b) => a - b);
      expect(counts).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(await store.counters.get('hot')).toBe(200);
    });

    it('reads 0 for an absent counter and reset removes a counter', async () => {
      const store = await open();
      expect(await store.counters.get('absent')).toBe(0);
      await store.counters.increment('k', longTtl, 4);
      await store.counters.reset('k');
      expect(await store.counters.get('k')).toBe(0);
      expect((await store.counters.increment('k', longTtl)).count).toBe(1);
      await expect(store.counters.reset('absent')).resolves.toBeUndefined();
    });

    it('keeps counters with different keys apart', async () => {
      const store = await open();
      await store.counters.increment('a', longTtl, 2);
      await store.counters.increment('b', longTtl, 7);
      expect(await store.counters.get('a')).toBe(2);
      expect(await store.counters.get('b')).toBe(7);
    });
  });

  describe('expiring sets', () => {
    it('reports first sight with true, and false while the member is present', async () => {
      const store = await open();
      expect(await store.sets.add('nonce', longTtl)).toBe(true);
      expect(await store.sets.add('nonce', longTtl)).toBe(false);
      expect(await store.sets.add('other', longTtl)).toBe(true);
    });

    it('of 50 concurrent adds of one member exactly one sees it first', async () => {
      const store = await open();
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.sets.add('nonce', longTtl)),
      );
      expect(results.filter((r) => r)).toHaveLength(1);
    });

    it('answers has and forgets a removed member', async () => {
      const store = await open();
      expect(await store.sets.has('m')).toBe(false);
      await store.sets.add('m', longTtl);
      expect(await store.sets.has('m')).toBe(true);
      await store.sets.remove('m');
      expect(await store.sets.has('m')).toBe(false);
      expect(await store.sets.add('m', longTtl)).toBe(true);
      await expect(store.sets.remove('absent')).resolves.toBeUndefined();
    });

    it('answers hasNow, where a store offers it, as has does', async () => {
      const store = await open();
      const hasNow = store.sets.hasNow;
      if (!hasNow) return;
      expect(hasNow('n')).toBe(false);
      await store.sets.add('n', longTtl);
      expect(hasNow('n')).toBe(true);
      await store.sets.remove('n');
      expect(hasNow('n')).toBe(false);
    });

    it('forgets a member when its ttl ends', async () => {
      const store = await open();
      await store.sets.add('m', shortTtl);
      await sleep(shortTtl + 250);
      expect(await store.sets.has('m')).toBe(false);
      expect(await store.sets.add('m', longTtl)).toBe(true);
    });

    it('does not extend the ttl when a present member is added again', async () => {
      const store = await open();
      // A ttl well beyond the pause: on a loaded machine a 100 ms sleep can take 200.
      const start = Date.now();
      await store.sets.add('m', 600);
      await sleep(100);
      expect(await store.sets.add('m', longTtl)).toBe(false);
      await sleep(Math.max(0, start + 600 + 300 - Date.now()));
      expect(await store.sets.has('m')).toBe(false);
    });
  });

  describe('expiring values', () => {
    it('sets, gets and overwrites a value', async () => {
      const store = await open();
      expect(await store.values.get('k')).toBeUndefined();
      await store.values.set('k', 'one', longTtl);
      expect(await store.values.get('k')).toBe('one');
      await store.values.set('k', 'two', longTtl);
      expect(await store.values.get('k')).toBe('two');
    });

    it('keeps an empty string as a value, not as absence', async () => {
      const store = await open();
      await store.values.set('k', '', longTtl);
      expect(await store.values.get('k')).toBe('');
      expect(await store.values.take('k')).toBe('');
      expect(await store.values.get('k')).toBeUndefined();
    });

    it('take returns the value once and removes it', async () => {
      const store = await open();
      await store.values.set('k', 'v', longTtl);
      expect(await store.values.take('k')).toBe('v');
      expect(await store.values.take('k')).toBeUndefined();
      expect(await store.values.get('k')).toBeUndefined();
      expect(await store.values.take('absent')).toBeUndefined();
    });

    it('of 50 concurrent takes exactly one gets the value', async () => {
      const store = await open();
      await store.values.set('code', 'secret', longTtl);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.values.take('code')),
      );
      expect(results.filter((r) => r !== undefined)).toEqual(['secret']);
    });

    it('delete removes a value', async () => {
      const store = await open();
      await store.values.set('k', 'v', longTtl);
      await store.values.delete('k');
      expect(await store.values.get('k')).toBeUndefined();
      await expect(store.values.delete('absent')).resolves.toBeUndefined();
    });

    it('forgets a value when its ttl ends', async () => {
      const store = await open();
      await store.values.set('k', 'v', shortTtl);
      await sleep(shortTtl + 250);
      expect(await store.values.get('k')).toBeUndefined();
      expect(await store.values.take('k')).toBeUndefined();
    });
  });

  describe('leases', () => {
    it('gives a lease to one holder, lets it extend, and refuses others until released', async () => {
      const store = await open();
      expect(await store.leases.acquire('leader', 'a', longTtl)).toBe(true);
      expect(await store.leases.acquire('leader', 'b', longTtl)).toBe(false);
      expect(await store.leases.acquire('leader', 'a', longTtl)).toBe(true);
      await store.leases.release('leader', 'b');
      expect(await store.leases.acquire('leader', 'b', longTtl)).toBe(false);
      await store.leases.release('leader', 'a');
      expect(await store.leases.acquire('leader', 'b', longTtl)).toBe(true);
    });

    it('of 20 concurrent candidates exactly one gets the lease', async () => {
      const store = await open();
      const won = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.leases.acquire('race', `n${i}`, longTtl)),
      );
      expect(won.filter(Boolean)).toHaveLength(1);
    });

    it('lets another holder take a lease whose ttl ended', async () => {
      const store = await open();
      expect(await store.leases.acquire('expiring', 'a', shortTtl)).toBe(true);
      await sleep(shortTtl * 3);
      expect(await store.leases.acquire('expiring', 'b', longTtl)).toBe(true);
      expect(await store.leases.acquire('expiring', 'a', longTtl)).toBe(false);
    });
  });

  describe('keys', () => {
    it('keeps counters, set members and values with the same key apart', async () => {
      const store = await open();
      await store.counters.increment('same', longTtl, 3);
      await store.values.set('same', 'value', longTtl);
      expect(await store.sets.add('same', longTtl)).toBe(true);
      expect(await store.counters.get('same')).toBe(3);
      expect(await store.values.get('same')).toBe('value');
      await store.values.delete('same');
      expect(await store.sets.has('same')).toBe(true);
      expect(await store.counters.get('same')).toBe(3);
    });

    it('takes keys with spaces, unicode, colons and glob characters literally', async () => {
      const store = await open();
      for (const [i, key] of oddKeys.entries()) {
        expect((await store.counters.increment(key, longTtl, i + 1)).count).toBe(i + 1);
        expect(await store.sets.add(key, longTtl)).toBe(true);
        await store.values.set(key, `value ${key}`, longTtl);
      }
      for (const [i, key] of oddKeys.entries()) {
        expect(await store.counters.get(key)).toBe(i + 1);
        expect(await store.sets.has(key)).toBe(true);
        expect(await store.values.get(key)).toBe(`value ${key}`);
      }
      // A glob-like key names one key, never a pattern: removing '*' leaves the others.
      await store.counters.reset('*');
      await store.sets.remove('*');
      await store.values.delete('*');
      expect(await store.counters.get('*')).toBe(0);
      expect(await store.counters.get('a:b:c')).toBe(oddKeys.indexOf('a:b:c') + 1);
      expect(await store.sets.has('rampart:*')).toBe(true);
      expect(await store.values.get('with spaces in it')).toBe('value with spaces in it');
    });

    it('keeps the state of different namespaces apart', async () => {
      const a = await open();
      const b = await open();
      await a.counters.increment('k', longTtl, 5);
      await a.sets.add('m', longTtl);
      await a.values.set('k', 'from a', longTtl);
      expect(await b.counters.get('k')).toBe(0);
      expect(await b.sets.has('m')).toBe(false);
      expect(await b.values.get('k')).toBeUndefined();
      expect(await b.sets.add('m', longTtl)).toBe(true);
    });

    it(
      harness.sharedBetweenInstances
        ? 'shares state between stores opened in one namespace'
        : 'keeps each instance to itself, even in one namespace',
      async () => {
        const namespace = harness.newNamespace();
        const a = await open(namespace);
        const b = await open(namespace);
        await a.counters.increment('k', longTtl, 5);
        await a.sets.add('m', longTtl);
        await a.values.set('k', 'from a', longTtl);
        if (harness.sharedBetweenInstances) {
          expect((await b.counters.increment('k', longTtl)).count).toBe(6);
          expect(await b.sets.add('m', longTtl)).toBe(false);
          expect(await b.values.take('k')).toBe('from a');
          expect(await a.values.get('k')).toBeUndefined();
        } else {
          expect((await b.counters.increment('k', longTtl)).count).toBe(1);
          expect(await b.sets.add('m', longTtl)).toBe(true);
          expect(await b.values.get('k')).toBeUndefined();
        }
      },
    );
  });

  describe('pub/sub', () => {
    it('delivers a message published after subscribe resolves', async () => {
      const store = await open();
      const got = collector();
      await store.pubsub.subscribe('ch', got.handler);
      await store.pubsub.publish('ch', 'hello');
      expect(await got.waitFor(1)).toEqual(['hello']);
    });

    it('delivers to every subscriber of a channel, even when they subscribe concurrently', async () => {
      const store = await open();
      const subscribers = Array.from({ length: 5 }, () => collector());
      await Promise.all(subscribers.map((s) => store.pubsub.subscribe('ch', s.handler)));
      await store.pubsub.publish('ch', 'to all');
      for (const s of subscribers) expect(await s.waitFor(1)).toEqual(['to all']);
    });

    it('delivers to a second subscriber whose subscribe resolves while the first is still pending', async () => {
      const store = await open();
      const first = collector();
      const second = collector();
      const pendingFirst = store.pubsub.subscribe('ch', first.handler);
      await store.pubsub.subscribe('ch', second.handler);
      await store.pubsub.publish('ch', 'early');
      expect(await second.waitFor(1)).toEqual(['early']);
      await pendingFirst;
    });

    it('isolates a throwing handler: other subscribers still receive and nothing escapes', async () => {
      const store = await open();
      const got = collector();
      await store.pubsub.subscribe('ch', () => {
        throw new Error('handler bug');
      });
      await store.pubsub.subscribe('ch', got.handler);
      await store.pubsub.publish('ch', 'survives');
      // An escaped exception would surface as an uncaught error and fail the run.
      expect(await got.waitFor(1)).toEqual(['survives']);
    });

    it('delivers messages in the order they were published', async () => {
      const store = await open();
      const got = collector();
      await store.pubsub.subscribe('ch', got.handler);
      const sent = Array.from({ length: 20 }, (_, i) => `m${i}`);
      for (const m of sent) await store.pubsub.publish('ch', m);
      expect(await got.waitFor(20)).toEqual(sent);
    });

    it('stops delivering to a handler once its unsubscribe resolves', async () => {
      const store = await open();
      const leaving = collector();
      const staying = collector();
      const unsubscribe = await store.pubsub.subscribe('ch', leaving.handler);
      await store.pubsub.subscribe('ch', staying.handler);
      await store.pubsub.publish('ch', 'before');
      await leaving.waitFor(1);
      await staying.waitFor(1);
      await unsubscribe();
      await store.pubsub.publish('ch', 'after');
      // Messages on one channel arrive in order: once `staying` has 'after', `leaving`
      // would have had it too.
      expect(await staying.waitFor(2)).toEqual(['before', 'after']);
      expect(leaving.messages).toEqual(['before']);
      await expect(unsubscribe()).resolves.toBeUndefined();
    });

    it('stops delivering on a channel whose last subscriber left, and can subscribe again', async () => {
      const store = await open();
      const first = collector();
      const unsubscribe = await store.pubsub.subscribe('ch', first.handler);
      await unsubscribe();
      const barrier = collector();
      await store.pubsub.subscribe('barrier', barrier.handler);
      await store.pubsub.publish('ch', 'lost');
      await store.pubsub.publish('barrier', 'done');
      await barrier.waitFor(1);
      await sleep(50);
      expect(first.messages).toEqual([]);
      const second = collector();
      await store.pubsub.subscribe('ch', second.handler);
      await store.pubsub.publish('ch', 'again');
      expect(await second.waitFor(1)).toEqual(['again']);
      expect(first.messages).toEqual([]);
    });

    it('treats one handler subscribed twice as two subscriptions, each undone on its own', async () => {
      const store = await open();
      const got = collector();
      const unsubscribeFirst = await store.pubsub.subscribe('ch', got.handler);
      await store.pubsub.subscribe('ch', got.handler);
      await store.pubsub.publish('ch', 'twice');
      expect(await got.waitFor(2)).toEqual(['twice', 'twice']);
      await unsubscribeFirst();
      await unsubscribeFirst();
      await store.pubsub.publish('ch', 'once');
      expect(await got.waitFor(3)).toEqual(['twice', 'twice', 'once']);
      await sleep(50);
      expect(got.messages).toHaveLength(3);
    });

    it('keeps channels apart', async () => {
      const store = await open();
      const one = collector();
      const two = collector();
      await store.pubsub.subscribe('one', one.handler);
      await store.pubsub.subscribe('two', two.handler);
      await store.pubsub.publish('one', 'for one');
      await store.pubsub.publish('two', 'for two');
      expect(await two.waitFor(1)).toEqual(['for two']);
      expect(await one.waitFor(1)).toEqual(['for one']);
      await sleep(50);
      expect(one.messages).toEqual(['for one']);
      expect(two.messages).toEqual(['for two']);
    });

    it('takes channel names and messages literally, including glob characters and unicode', async () => {
      const store = await open();
      const star = collector();
      const plain = collector();
      await store.pubsub.subscribe('*', star.handler);
      await store.pubsub.subscribe('events:ünï 🔑', plain.handler);
      await store.pubsub.publish('events:ünï 🔑', 'héllo ✓');
      await store.pubsub.publish('*', '');
      expect(await star.waitFor(1)).toEqual(['']);
      expect(await plain.waitFor(1)).toEqual(['héllo ✓']);
    });

    it('keeps the messages of different namespaces apart', async () => {
      const a = await open();
      const b = await open();
      const inA = collector();
      const inB = collector();
      await a.pubsub.subscribe('ch', inA.handler);
      await b.pubsub.subscribe('ch', inB.handler);
      await b.pubsub.publish('ch', 'from b');
      await inB.waitFor(1);
      await sleep(50);
      expect(inA.messages).toEqual([]);
    });

    it(
      harness.sharedBetweenInstances
        ? 'delivers between stores opened in one namespace'
        : 'delivers only within one instance, even in one namespace',
      async () => {
        const namespace = harness.newNamespace();
        const a = await open(namespace);
        const b = await open(namespace);
        const inA = collector();
        const inB = collector();
        await a.pubsub.subscribe('ch', inA.handler);
        await b.pubsub.subscribe('ch', inB.handler);
        await a.pubsub.publish('ch', 'from a');
        expect(await inA.waitFor(1)).toEqual(['from a']);
        if (harness.sharedBetweenInstances) {
          expect(await inB.waitFor(1)).toEqual(['from a']);
        } else {
          await sleep(50);
          expect(inB.messages).toEqual([]);
        }
      },
    );
  });

  it('answers ping with a latency', async () => {
    const store = await open();
    const latency = await store.ping();
    expect(latency).toBeGreaterThanOrEqual(0);
  });
}
