import type { RampartConfig } from '../config/schema.js';
import type { HotStore } from './hot-state.js';
import { createMemoryHotStore } from './memory/memory-hot-store.js';
import type { PubSubErrorHandler } from './pubsub-delivery.js';
import { createRedisHotStore } from './redis/redis-hot-store.js';

/** Redis when `redisUrl` is set, else process memory. */
export function openHotStore(
  config: Pick<RampartConfig, 'redisUrl' | 'redisKeyPrefix'>,
  onHandlerError?: PubSubErrorHandler,
): Promise<HotStore> {
  const options = onHandlerError ? { onHandlerError } : {};
  if (config.redisUrl) {
    return createRedisHotStore({
      url: config.redisUrl,
      keyPrefix: config.redisKeyPrefix,
      ...options,
    });
  }
  return Promise.resolve(createMemoryHotStore(options));
}
