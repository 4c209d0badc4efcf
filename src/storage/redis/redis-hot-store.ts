import { Redis } from 'ioredis';
import type {
  CounterStore,
  CounterValue,
  ExpiringSetStore,
  ExpiringValueStore,
  HotStore,
  PubSub,
  Unsubscribe,
} from '../hot-state.js';

// INCRBY and the window's expiry must be one atomic step, or a crash between them would
// leave a counter that never expires (a permanent lockout). A key left without a TTL by
// anything else gets one here too.
const incrementScript = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

type RedisWithScripts = Redis & {
  rampartIncrement(key: string, windowMs: number, by: number): Promise<[number, number]>;
};

class RedisCounters implements CounterStore {
  constructor(private readonly redis: RedisWithScripts) {}

  async increment(key: string, windowMs: number, by = 1): Promise<CounterValue> {
    const [count, ttl] = await this.redis.rampartIncrement(`c:${key}`, Math.ceil(windowMs), by);
    return { count: Number(count), resetInMs: Number(ttl) };
  }

  async get(key: string): Promise<number> {
    const v = await this.redis.get(`c:${key}`);
    return v === null ? 0 : Number(v);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(`c:${key}`);
  }
}

class RedisSet implements ExpiringSetStore {
  constructor(private readonly redis: Redis) {}

  async add(member: string, ttlMs: number): Promise<boolean> {
    // SET NX PX is atomic: of concurrent adds of one member, exactly one sees 'OK'.
    const r = await this.redis.set(`s:${member}`, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
    return r === 'OK';
  }

  async has(member: string): Promise<boolean> {
    return (await this.redis.exists(`s:${member}`)) === 1;
  }

  async remove(member: string): Promise<void> {
    await this.redis.del(`s:${member}`);
  }
}

class RedisValues implements ExpiringValueStore {
  constructor(private readonly redis: Redis) {}

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(`v:${key}`, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(`v:${key}`)) ?? undefined;
  }

  async take(key: string): Promise<string | undefined> {
    return (await this.redis.getdel(`v:${key}`)) ?? undefined;
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(`v:${key}`);
  }
}

class RedisPubSub implements PubSub {
  readonly #handlers = new Map<string, Set<(message: string) => void>>();
  #subscriber: Redis | undefined;

  constructor(
    private readonly publisher: Redis,
    private readonly prefix: string,
  ) {}

  #subscriberConnection(): Redis {
    if (!this.#subscriber) {
      // A connection in subscriber mode cannot run other commands: use a second one.
      const sub = this.publisher.duplicate({ keyPrefix: '' });
      sub.on('error', () => {});
      sub.on('message', (channel: string, message: string) => {
        const handlers = this.#handlers.get(channel);
        if (handlers) for (const h of handlers) h(message);
      });
      this.#subscriber = sub;
    }
    return this.#subscriber;
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.publisher.publish(this.prefix + channel, message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    const full = this.prefix + channel;
    let handlers = this.#handlers.get(full);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(full, handlers);
      await this.#subscriberConnection().subscribe(full);
    }
    handlers.add(handler);
    return async () => {
      const set = this.#handlers.get(full);
      if (!set) return;
      set.delete(handler);
      if (set.size === 0) {
        this.#handlers.delete(full);
        await this.#subscriber?.unsubscribe(full);
      }
    };
  }

  async close(): Promise<void> {
    this.#handlers.clear();
    if (this.#subscriber) {
      this.#subscriber.disconnect();
      this.#subscriber = undefined;
    }
  }
}

export interface RedisHotStoreOptions {
  url: string;
  /** Prefix for every key and channel, so several deployments can share one Redis. */
  keyPrefix?: string;
  /** Milliseconds a command may take before it fails (the caller then fails closed). */
  commandTimeoutMs?: number;
}

/**
 * Hot state shared by every node through Redis. Connects eagerly and rejects if Redis is
 * unreachable, so a misconfigured cluster fails at start instead of at the first login.
 */
export async function createRedisHotStore(options: RedisHotStoreOptions): Promise<HotStore> {
  const prefix = options.keyPrefix ?? 'rampart:';
  const redis = new Redis(options.url, {
    keyPrefix: prefix,
    lazyConnect: true,
    connectTimeout: 5000,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
  }) as RedisWithScripts;
  redis.defineCommand('rampartIncrement', { numberOfKeys: 1, lua: incrementScript });
  // Errors surface on the commands that fail; the 'error' event only reports reconnects.
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `cannot connect to Redis: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const pubsub = new RedisPubSub(redis, prefix);
  return {
    kind: 'redis',
    counters: new RedisCounters(redis),
    sets: new RedisSet(redis),
    values: new RedisValues(redis),
    pubsub,
    async ping() {
      const start = performance.now();
      await redis.ping();
      return performance.now() - start;
    },
    async close() {
      await pubsub.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
