import type { RampartConfig } from '../config/schema.js';
import type { HotStore } from './hot-state.js';
import { createMemoryHotStore } from './memory/memory-hot-store.js';
import { createRedisHotStore } from './redis/redis-hot-store.js';

/** Redis when `redisUrl` is set, else process memory. */
export function openHotStore(
  config: Pick<RampartConfig, 'redisUrl' | 'redisKeyPrefix'>,
): Promise<HotStore> {
  if (config.redisUrl)
    return createRedisHotStore({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix });
  return Promise.resolve(createMemoryHotStore());
}
