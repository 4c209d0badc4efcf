import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * When the test URLs are set (CI sets both), the services must be reachable: a suite
 * that silently skipped PostgreSQL or Redis would prove nothing about them.
 */
export default async function setup(): Promise<void> {
  const databaseUrl = process.env.RAMPART_TEST_DATABASE_URL;
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query('select 1');
    } catch (error) {
      throw new Error(
        `RAMPART_TEST_DATABASE_URL is set but PostgreSQL is unreachable: ${String(error)}`,
      );
    } finally {
      await client.end().catch(() => {});
    }
  }
  const redisUrl = process.env.RAMPART_TEST_REDIS_URL;
  if (redisUrl) {
    const redis = new Redis(redisUrl, {
      lazyConnect: true,
      connectTimeout: 5000,
      maxRetriesPerRequest: 1,
    });
    redis.on('error', () => {});
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      throw new Error(`RAMPART_TEST_REDIS_URL is set but Redis is unreachable: ${String(error)}`);
    } finally {
      redis.disconnect();
    }
  }
}
