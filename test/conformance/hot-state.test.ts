import { describe } from 'vitest';
import { createMemoryHotStore } from '../../src/storage/memory/memory-hot-store.js';
import { createRedisHotStore } from '../../src/storage/redis/redis-hot-store.js';
import { testHotStoreKinds, uniqueRedisPrefix } from '../support/test-databases.js';
import { defineHotStoreConformance, type HotStoreHarness } from './hot-state.conformance.js';

const harnesses: Record<'memory' | 'redis', () => HotStoreHarness> = {
  memory: () => ({
    sharedBetweenInstances: false,
    newNamespace: () => 'unused',
    open: async () => createMemoryHotStore(),
  }),
  redis: () => {
    const url = process.env.RAMPART_TEST_REDIS_URL;
    if (!url) throw new Error('RAMPART_TEST_REDIS_URL is not set');
    return {
      sharedBetweenInstances: true,
      newNamespace: uniqueRedisPrefix,
      open: (keyPrefix) => createRedisHotStore({ url, keyPrefix }),
    };
  },
};

for (const kind of testHotStoreKinds()) {
  describe(`hot store conformance: ${kind}`, () => {
    defineHotStoreConformance(harnesses[kind]());
  });
}
