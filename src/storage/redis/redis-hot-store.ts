import { Redis } from 'ioredis';
import type {
  CounterStore,
  CounterValue,
  ExpiringSetStore,
  ExpiringValueStore,
  HotStore,
  LeaseStore,
  PubSub,
  Unsubscribe,
} from '../hot-state.js';
import { deliverSafely, type PubSubErrorHandler, warnOnHandlerError } from '../pubsub-delivery.js';

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

// Take (SET NX PX) or extend (compare holder, then PEXPIRE) in one atomic step, so a
// holder whose lease just expired cannot extend the lease another node took meanwhile.
const leaseAcquireScript = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if current then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

const leaseReleaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

type RedisWithScripts = Redis & {
  rampartIncrement(key: string, windowMs: number, by: number): Promise<[number, number]>;
  rampartLeaseAcquire(key: string, holder: string, ttlMs: number): Promise<number>;
  rampartLeaseRelease(key: string, holder: string): Promise<number>;
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

class RedisLeases implements LeaseStore {
  constructor(private readonly redis: RedisWithScripts) {}

  async acquire(key: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.rampartLeaseAcquire(`l:${key}`, holder, Math.ceil(ttlMs))) === 1;
  }

  async release(key: string, holder: string): Promise<void> {
    await this.redis.rampartLeaseRelease(`l:${key}`, holder);
  }
}

type Handler = (message: string) => void;

interface ChannelSubscription {
  /** One entry per subscribe call, so one handler subscribed twice is two subscriptions. */
  entries: Set<{ handler: Handler }>;
  /** Settles when Redis has confirmed the SUBSCRIBE. */
  ready: Promise<void>;
}

class RedisPubSub implements PubSub {
  readonly #channels = new Map<string, ChannelSubscription>();
  #subscriber: Redis | undefined;

  constructor(
    private readonly publisher: Redis,
    private readonly prefix: string,
    private readonly onError: PubSubErrorHandler,
  ) {}

  #subscriberConnection(): Redis {
    if (!this.#subscriber) {
      // A connection in subscriber mode cannot run other commands: use a second one.
      const sub = this.publisher.duplicate({ keyPrefix: '' });
      sub.on('error', () => {});
      sub.on('message', (channel: string, message: string) => {
        const subscription = this.#channels.get(channel);
        if (subscription) {
          for (const { handler } of subscription.entries)
            deliverSafely(handler, message, channel, this.onError);
        }
      });
      this.#subscriber = sub;
    }
    return this.#subscriber;
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.publisher.publish(this.prefix + channel, message);
  }

  async subscribe(channel: string, handler: Handler): Promise<Unsubscribe> {
    const full = this.prefix + channel;
    let subscription = this.#channels.get(full);
    if (!subscription) {
      const created: ChannelSubscription = {
        entries: new Set(),
        ready: this.#subscriberConnection()
          .subscribe(full)
          .then(() => undefined),
      };
      // A failed SUBSCRIBE must not leave a channel that later subscribers trust.
      created.ready.catch(() => {
        if (this.#channels.get(full) === created) this.#channels.delete(full);
      });
      this.#channels.set(full, created);
      subscription = created;
    }
    const entry = { handler };
    subscription.entries.add(entry);
    // Every subscriber waits for the confirmation, not only the first: a second
    // subscriber that resolved early could publish-and-miss its own first message.
    try {
      await subscription.ready;
    } catch (error) {
      subscription.entries.delete(entry);
      throw error;
    }
    const current = subscription;
    return async () => {
      if (!current.entries.delete(entry)) return;
      if (current.entries.size === 0 && this.#channels.get(full) === current) {
        this.#channels.delete(full);
        await this.#subscriber?.unsubscribe(full);
      }
    };
  }

  async close(): Promise<void> {
    this.#channels.clear();
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
  /** Receives exceptions thrown by pub/sub handlers; default a process warning. */
  onHandlerError?: PubSubErrorHandler;
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
  redis.defineCommand('rampartLeaseAcquire', { numberOfKeys: 1, lua: leaseAcquireScript });
  redis.defineCommand('rampartLeaseRelease', { numberOfKeys: 1, lua: leaseReleaseScript });
  // Errors surface on the commands that fail; the 'error' event only reports reconnects.
  // Before the first connection it has the cause: connect() itself rejects with only
  // "Connection is closed.", where the event said "connect ECONNREFUSED 127.0.0.1:6380".
  let cause: unknown;
  redis.on('error', (error: unknown) => {
    cause ??= error;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const reason = cause ?? error;
    throw new Error(
      `cannot connect to Redis (redisUrl): ${reason instanceof Error ? reason.message : String(reason)}`,
    );
  }
  const pubsub = new RedisPubSub(redis, prefix, options.onHandlerError ?? warnOnHandlerError);
  return {
    kind: 'redis',
    counters: new RedisCounters(redis),
    sets: new RedisSet(redis),
    values: new RedisValues(redis),
    pubsub,
    leases: new RedisLeases(redis),
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
