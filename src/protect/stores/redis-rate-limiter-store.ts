import { Redis } from 'ioredis';
import type { RateLimitDecision, RateLimiterStore } from '../store.js';

// The GCRA of core/gcra.ts in Lua, one script per decision so a decision is atomic and
// one round trip. The clock is Redis' TIME: every node decides against one clock, so
// skewed node clocks can neither grant nor deny extra requests. TIME before a write is
// allowed since Redis 5 (scripts replicate their effects, not the script).
// The state is "<tat ms>:<remainder in 1/limit ms>"; see gcra.ts for the arithmetic.
const consumeScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local capacity = window * limit
local debt = 0
local stored = redis.call('GET', KEYS[1])
if stored then
  local sep = string.find(stored, ':', 1, true)
  if sep then
    local tat = tonumber(string.sub(stored, 1, sep - 1)) or now
    local rem = math.min(tonumber(string.sub(stored, sep + 1)) or 0, limit - 1)
    debt = math.max(0, (tat - now) * limit + rem)
  end
end
local needed = debt + cost * window
if needed > capacity then
  local retry = math.max(1, math.ceil((needed - capacity) / limit))
  return {0, math.max(0, math.floor((capacity - debt) / window)), math.ceil(debt / limit), retry}
end
local reset = math.ceil(needed / limit)
local value = string.format('%.0f:%.0f', now + math.floor(needed / limit), needed % limit)
redis.call('SET', KEYS[1], value, 'PX', math.max(1, reset))
return {1, math.floor((capacity - needed) / window), reset, 0}
`;

type RedisWithLimiter = Redis & {
  rampartRateLimit(
    key: string,
    limit: number,
    windowMs: number,
    cost: number,
  ): Promise<[number, number, number, number]>;
};

export interface RedisRateLimiterStoreOptions {
  url: string;
  /** Prefix of every key, shared with the hot store so deployments can share one Redis. */
  keyPrefix?: string;
  /**
   * Milliseconds a decision may take before it fails and the fail mode applies. Short on
   * purpose: every request waits for it.
   */
  commandTimeoutMs?: number;
}

/**
 * Rate limits shared by every node through Redis. Its own connection, without an offline
 * queue: while Redis is unreachable a decision fails at once (and the fail mode decides)
 * instead of waiting in a queue. Never rejects at creation: a node must start and serve
 * under its fail mode while Redis is down.
 */
export async function createRedisRateLimiterStore(
  options: RedisRateLimiterStoreOptions,
): Promise<RateLimiterStore> {
  const redis = new Redis(options.url, {
    keyPrefix: `${options.keyPrefix ?? 'rampart:'}rl:`,
    lazyConnect: true,
    connectTimeout: 2000,
    // Neither ioredis' commandTimeout nor auto-pipelining: measured on this path, each
    // doubles the client CPU of a lone decision (a timer per command; a deferred flush).
    // Concurrent decisions still share the socket in order; the watchdog below bounds
    // how long one may wait.
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // Keep trying in the background, at most every 2 s.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  }) as RedisWithLimiter;
  redis.defineCommand('rampartRateLimit', { numberOfKeys: 1, lua: consumeScript });
  // Failures surface on the decisions; the 'error' event only reports reconnects.
  redis.on('error', () => {});
  await redis.connect().catch(() => {});

  // One timer for all decisions: every 50 ms, decisions older than the timeout fail (and
  // the fail mode decides), so a hung Redis cannot hold requests.
  const timeoutMs = options.commandTimeoutMs ?? 500;
  const pending = new Set<{ startedAt: number; reject: (error: Error) => void }>();
  const watchdog = setInterval(
    () => {
      const now = performance.now();
      for (const p of pending) {
        if (now - p.startedAt >= timeoutMs) {
          pending.delete(p);
          p.reject(new Error(`rate-limit decision timed out after ${timeoutMs} ms`));
        }
      }
    },
    Math.min(50, timeoutMs),
  );
  watchdog.unref();
  const withTimeout = <T>(work: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const entry = { startedAt: performance.now(), reject };
      pending.add(entry);
      work.then(
        (value) => {
          pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          pending.delete(entry);
          reject(error);
        },
      );
    });

  return {
    kind: 'redis',
    async consume(key, limit, windowMs, cost = 1): Promise<RateLimitDecision> {
      const [allowed, remaining, resetMs, retryAfterMs] = await withTimeout(
        redis.rampartRateLimit(key, limit, Math.ceil(windowMs), cost),
      );
      return {
        allowed: Number(allowed) === 1,
        remaining: Number(remaining),
        resetMs: Number(resetMs),
        retryAfterMs: Number(retryAfterMs),
      };
    },
    async ping() {
      const start = performance.now();
      await redis.ping();
      return performance.now() - start;
    },
    async close() {
      clearInterval(watchdog);
      // QUIT waits for Redis' answer; a stalled Redis must not hold the shutdown.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        redis.quit().catch(() => {}),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      redis.disconnect();
    },
  };
}
