import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { type DeepPartial, loadConfig, type RawConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/monitor/logger.js';
import type { RateLimiterStore } from '../../src/protect/store.js';
import { createRampart, type Rampart } from '../../src/rampart.js';
import { createTestDatabase, type TestDatabase, uniqueRedisPrefix } from './test-databases.js';

export interface TestRampart extends Rampart {
  /** Every log line written, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Raw log output, for grep-style assertions. */
  logText(): string;
  testDatabase: TestDatabase;
}

export interface TestRampartOptions {
  database?: 'sqlite' | 'postgres';
  hot?: 'memory' | 'redis';
  overrides?: DeepPartial<RawConfig>;
  /**
   * Join a cluster: use this database (not dropped on close) and this Redis key prefix,
   * as another node started with `startTestRampart` (see `clusterOf`).
   */
  join?: { database: TestDatabase; redisKeyPrefix: string };
  /** Registers test-only routes before the server starts. */
  register?: (app: FastifyInstance) => Promise<void>;
  /** Decide rate limits with this store instead of the one config would open. */
  rateLimitStore?: RateLimiterStore;
}

/** A fixed, valid master key for tests. */
export const testMasterKey = randomBytes(32).toString('base64');

/**
 * A real Rampart on a throwaway database, logging into memory. Defaults: SQLite in
 * memory, memory hot store; pass `database: 'postgres'` / `hot: 'redis'` to use the
 * services named by RAMPART_TEST_DATABASE_URL / RAMPART_TEST_REDIS_URL.
 */
export async function startTestRampart(options: TestRampartOptions = {}): Promise<TestRampart> {
  const testDatabase =
    options.join?.database ?? (await createTestDatabase(options.database ?? 'sqlite'));
  const ownsDatabase = options.join === undefined;
  const redisUrl =
    options.hot === 'redis' || options.join ? process.env.RAMPART_TEST_REDIS_URL : undefined;
  if (options.hot === 'redis' && !redisUrl) throw new Error('RAMPART_TEST_REDIS_URL is not set');
  const { config } = loadConfig({
    env: {},
    noFile: true,
    overrides: {
      port: 0,
      masterKey: testMasterKey,
      databaseUrl: testDatabase.url,
      log: { level: 'info' },
      // Automated responses would ban the few addresses every test shares after enough
      // failed logins; tests of responses pass a `responses` section of their own.
      responses: { enabled: false },
      ...(redisUrl
        ? { redisUrl, redisKeyPrefix: options.join?.redisKeyPrefix ?? uniqueRedisPrefix() }
        : {}),
      ...options.overrides,
    } as DeepPartial<RawConfig>,
  });
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  // The logger the server makes for itself (createLogger): the same redaction, by key
  // and by value, the same request-line writer and line shape; only the destination differs.
  const logger = createLogger({ level: config.log.level, destination: sink });
  try {
    const rampart = await createRampart(config, {
      logger,
      ...(options.register ? { register: options.register } : {}),
      ...(options.rateLimitStore ? { rateLimitStore: options.rateLimitStore } : {}),
    });
    const close = rampart.close.bind(rampart);
    const logText = () => chunks.join('');
    // Object.assign would read a getter once and copy its value; define `logs` as a live
    // getter so every read sees the lines written so far.
    Object.defineProperty(rampart, 'logs', {
      get: () =>
        logText()
          .split('\n')
          .filter((l) => l.length > 0)
          .map((l) => JSON.parse(l) as Record<string, unknown>),
    });
    return Object.assign(rampart as Rampart & Pick<TestRampart, 'logs'>, {
      testDatabase,
      logText,
      close: async () => {
        await close();
        if (ownsDatabase) await testDatabase.drop();
      },
    });
  } catch (error) {
    if (ownsDatabase) await testDatabase.drop();
    throw error;
  }
}

/**
 * `n` Rampart nodes sharing one PostgreSQL schema and one Redis prefix, as a real cluster
 * would (needs RAMPART_TEST_DATABASE_URL and RAMPART_TEST_REDIS_URL). Close with `close()`.
 */
export async function startCluster(
  n: number,
  overrides?: DeepPartial<RawConfig>,
): Promise<{ nodes: TestRampart[]; close(): Promise<void> }> {
  const database = await createTestDatabase('postgres');
  const redisKeyPrefix = uniqueRedisPrefix();
  const nodes: TestRampart[] = [];
  try {
    for (let i = 0; i < n; i++) {
      nodes.push(
        await startTestRampart({
          join: { database, redisKeyPrefix },
          ...(overrides ? { overrides } : {}),
        }),
      );
    }
  } catch (error) {
    await Promise.all(nodes.map((node) => node.close()));
    await database.drop();
    throw error;
  }
  return {
    nodes,
    async close() {
      await Promise.all(nodes.map((node) => node.close()));
      await database.drop();
    },
  };
}

/** A password that satisfies the default policy and is in no list. */
export function strongPassword(): string {
  return `correct horse ${randomBytes(6).toString('hex')} staple`;
}
