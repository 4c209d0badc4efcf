import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.js';
import type { HotStore } from '../hot-state.js';
import { createMemoryHotStore } from './memory-hot-store.js';

// The memory store's maps, for counting what they hold (each store keeps its map as `map`).
function heldEntries(store: HotStore): number {
  return [store.counters, store.sets, store.values, store.leases]
    .map((part) => (part as unknown as { map: { size: number } }).map.size)
    .reduce((a, b) => a + b, 0);
}

describe('the memory hot store', () => {
  let store: HotStore | undefined;
  afterEach(async () => store?.close());

  it('sweeps expired entries nobody reads again, and keeps the live ones', async () => {
    let now = 1_000_000;
    store = createMemoryHotStore({ now: () => now, sweepIntervalMs: 10 });
    // Keys a flood leaves behind: one counter, nonce, value and lease per client, never read again.
    for (let i = 0; i < 500; i++) {
      await store.counters.increment(`c${i}`, 1_000);
      await store.sets.add(`n${i}`, 1_000);
      await store.values.set(`v${i}`, 'x', 1_000);
      await store.leases.acquire(`l${i}`, 'node-a', 1_000);
    }
    await store.sets.add('long-lived', 60_000);
    expect(heldEntries(store)).toBe(2001);
    now += 1_001;
    // Without a single read: the sweeper alone frees them.
    await until(() => heldEntries(store as HotStore) === 1, 2_000);
    expect(await store.sets.has('long-lived')).toBe(true);
  });
});
