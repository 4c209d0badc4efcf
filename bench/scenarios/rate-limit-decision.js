import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { MemoryRateLimiterStore } from '../../dist/protect/stores/memory-rate-limiter-store.js';
import { createRedisRateLimiterStore } from '../../dist/protect/stores/redis-rate-limiter-store.js';

export const name = 'rate-limit-decision';
export const description =
  'One rate-limit decision (GCRA): in memory, and on Redis (one Lua script, one round trip each), beside rate-limiter-flexible';

/** Each target runs this long at most, whatever BENCH_DURATION says: a micro-benchmark. */
const maxSeconds = 3;
const keyCount = 10_000;
/** A limit no key reaches, so every decision writes (the costlier path). */
const limit = 1_000_000;
const windowMs = 60_000;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

function round3(ms) {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Runs `batch` (which makes `size` decisions and resolves) until `seconds` pass; each
 * batch's duration / size is one latency sample.
 */
async function measure(batch, size, seconds, warmupSeconds) {
  const warmupEnd = performance.now() + warmupSeconds * 1000;
  while (performance.now() < warmupEnd) await batch();
  const samples = [];
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  let decisions = 0;
  while (performance.now() < end) {
    const t0 = performance.now();
    await batch();
    samples.push((performance.now() - t0) / size);
    decisions += size;
  }
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  samples.sort((a, b) => a - b);
  return {
    rps: decisions / (elapsedMs / 1000),
    p50: round3(percentile(samples, 0.5)),
    p99: round3(percentile(samples, 0.99)),
    cpuMicrosPerRequest: (cpu.user + cpu.system) / decisions,
    serverCpuShare: (cpu.user + cpu.system) / 1000 / elapsedMs,
    wallMicrosPerDecision: (elapsedMs * 1000) / decisions,
    decisions,
  };
}

function redisUrl() {
  const raw =
    process.env.BENCH_REDIS_URL || process.env.RAMPART_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
  const url = new URL(raw);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost')
    throw new Error(`the benchmark talks to 127.0.0.1 only, not ${url.hostname}`);
  return raw;
}

async function evalshaCalls(admin) {
  const info = await admin.info('commandstats');
  const line = info.split('\n').find((l) => l.startsWith('cmdstat_evalsha:'));
  const match = line ? /calls=(\d+)/.exec(line) : null;
  return match ? Number(match[1]) : 0;
}

/**
 * @param {{ settings: ReturnType<typeof import('../lib/settings.js').readSettings>, log: (line: string) => void }} context
 */
export async function run({ settings, log }) {
  const seconds = Math.min(settings.duration, maxSeconds);
  const warmup = Math.min(settings.warmup, 1);
  const keys = Array.from({ length: keyCount }, (_, i) => `bench:${i}`);
  const targets = [];
  const notes = [];

  const memory = new MemoryRateLimiterStore();
  try {
    log('  memory, synchronous decision (consumeNow)');
    let i = 0;
    const syncBatch = () => {
      for (let n = 0; n < 1000; n++) memory.consumeNow(keys[i++ % keyCount], limit, windowMs);
    };
    targets.push({
      id: 'memory-sync',
      label: 'memory, consumeNow',
      ...(await measure(async () => syncBatch(), 1000, seconds, warmup)),
    });
    log('  memory, through the async port (consume)');
    const asyncBatch = async () => {
      for (let n = 0; n < 1000; n++) await memory.consume(keys[i++ % keyCount], limit, windowMs);
    };
    targets.push({
      id: 'memory-async',
      label: 'memory, await consume',
      ...(await measure(asyncBatch, 1000, seconds, warmup)),
    });
    log('  rate-limiter-flexible, memory (consume)');
    const flexibleMemory = new RateLimiterMemory({ points: limit, duration: windowMs / 1000 });
    targets.push({
      id: 'flexible-memory',
      label: 'rate-limiter-flexible memory',
      ...(await measure(
        async () => {
          for (let n = 0; n < 1000; n++) await flexibleMemory.consume(keys[i++ % keyCount]);
        },
        1000,
        seconds,
        warmup,
      )),
    });
  } finally {
    await memory.close();
  }

  let url;
  try {
    url = redisUrl();
  } catch (error) {
    notes.push(String(error.message));
  }
  if (url) {
    const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    admin.on('error', () => {});
    const reachable = await admin.connect().then(
      () => true,
      () => false,
    );
    if (!reachable) {
      notes.push(`Redis at ${url} is unreachable: the Redis targets were skipped.`);
    } else {
      const prefix = `rampart-bench:${process.pid}:`;
      const redis = await createRedisRateLimiterStore({ url, keyPrefix: prefix });
      try {
        let i = 0;
        log('  Redis, one decision at a time');
        const callsBefore = await evalshaCalls(admin);
        const sequential = await measure(
          async () => {
            await redis.consume(keys[i++ % keyCount], limit, windowMs);
          },
          1,
          seconds,
          warmup,
        );
        const callsAfter = await evalshaCalls(admin);
        targets.push({ id: 'redis-sequential', label: 'Redis, 1 in flight', ...sequential });
        // Warm-up decisions also ran EVALSHA; count them as decisions too.
        notes.push(
          `Redis: ${(callsAfter - callsBefore).toLocaleString('en-US')} EVALSHA calls for ≈${sequential.decisions.toLocaleString('en-US')} measured decisions plus warm-up: one script, one round trip per decision.`,
        );
        log('  Redis, 50 decisions in flight');
        const concurrent = await measure(
          async () => {
            await Promise.all(
              Array.from({ length: 50 }, () =>
                redis.consume(keys[i++ % keyCount], limit, windowMs),
              ),
            );
          },
          50,
          seconds,
          warmup,
        );
        targets.push({ id: 'redis-concurrent', label: 'Redis, 50 in flight', ...concurrent });

        // The peer, on the same Redis, with its own ioredis client.
        const flexClient = new Redis(url, { enableOfflineQueue: false });
        await new Promise((resolve) => flexClient.once('ready', resolve));
        const flexible = new RateLimiterRedis({
          storeClient: flexClient,
          points: limit,
          duration: windowMs / 1000,
          keyPrefix: `${prefix}rlf`,
        });
        try {
          log('  rate-limiter-flexible Redis, one decision at a time');
          targets.push({
            id: 'flexible-redis-sequential',
            label: 'rate-limiter-flexible Redis, 1 in flight',
            ...(await measure(
              async () => {
                await flexible.consume(keys[i++ % keyCount]);
              },
              1,
              seconds,
              warmup,
            )),
          });
          log('  rate-limiter-flexible Redis, 50 decisions in flight');
          targets.push({
            id: 'flexible-redis-concurrent',
            label: 'rate-limiter-flexible Redis, 50 in flight',
            ...(await measure(
              async () => {
                await Promise.all(
                  Array.from({ length: 50 }, () => flexible.consume(keys[i++ % keyCount])),
                );
              },
              50,
              seconds,
              warmup,
            )),
          });
        } finally {
          flexClient.disconnect();
        }
      } finally {
        await redis.close();
        // Leave nothing behind on a shared Redis.
        let cursor = '0';
        do {
          const [next, found] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          if (found.length > 0) await admin.del(...found);
        } while (cursor !== '0');
        admin.disconnect();
      }
    }
  }

  const memorySync = targets.find((t) => t.id === 'memory-sync');
  const comparisons = memorySync
    ? [
        {
          label: '1 µs / memory µs per decision',
          ratio: 1 / memorySync.wallMicrosPerDecision,
          minimum: 1,
          pass: memorySync.wallMicrosPerDecision <= 1,
        },
      ]
    : [];
  const byId = (id) => targets.find((t) => t.id === id);
  for (const [ours, theirs, label] of [
    ['memory-async', 'flexible-memory', 'memory (async port) / rate-limiter-flexible memory'],
    ['redis-sequential', 'flexible-redis-sequential', 'Redis 1 in flight / rate-limiter-flexible'],
    ['redis-concurrent', 'flexible-redis-concurrent', 'Redis 50 in flight / rate-limiter-flexible'],
  ]) {
    const a = byId(ours);
    const b = byId(theirs);
    // No target: the peer is a fixed-window counter (not exact under its window edge), so
    // this is a throughput reference, not a like-for-like race.
    if (a && b) comparisons.push({ label, ratio: a.rps / b.rps, minimum: 0, pass: true });
  }
  for (const t of targets)
    notes.push(
      `${t.label}: ${t.wallMicrosPerDecision.toFixed(3)} µs per decision (wall clock), ${t.cpuMicrosPerRequest.toFixed(3)} µs CPU.`,
    );
  notes.push(
    `${keyCount.toLocaleString('en-US')} keys in rotation, limit ${limit.toLocaleString('en-US')} per ${windowMs / 1000} s so every decision passes and writes; at most ${maxSeconds} s per target.`,
    'Columns: req/s are decisions/s; p50/p99 are ms per decision (per batch of 1,000 in memory); CPU µs/req is this process per decision.',
    'rate-limiter-flexible (v11) counts a fixed window per key (memory: a Map with timers; Redis: SET NX + INCR in one MULTI), not GCRA; it runs on the same keys and Redis, with its own ioredis client.',
  );
  return { targets, comparisons, notes };
}
