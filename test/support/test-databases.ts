import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type DatabaseHandle, openDatabase } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates an isolated database for one test: SQLite in memory, or a fresh PostgreSQL
 * schema (selected through the connection's search_path) that is dropped afterwards,
 * so test files can run in parallel against one server.
 */
export async function createTestDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  if (kind === 'sqlite') return { name: 'sqlite', url: 'sqlite::memory:', drop: async () => {} };
  const base = process.env.RAMPART_TEST_DATABASE_URL;
  if (!base) throw new Error('RAMPART_TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    name: 'postgres',
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}

/** A test database opened and migrated to the latest schema. */
export interface MigratedTestDatabase {
  handle: DatabaseHandle;
  /** Closes the handle, then drops the database. */
  close(): Promise<void>;
}

/**
 * {@link createTestDatabase}, opened and migrated: what most store tests start from. A
 * failed migration closes and drops it before the error goes on.
 */
export async function openMigratedTestDatabase(
  kind: 'sqlite' | 'postgres',
): Promise<MigratedTestDatabase> {
  const database = await createTestDatabase(kind);
  const handle = openDatabase(database.url);
  const close = async () => {
    await handle.close();
    await database.drop();
  };
  try {
    await migrateToLatest(handle);
  } catch (error) {
    await close();
    throw error;
  }
  return { handle, close };
}

/** The durable stores every conformance suite runs against: SQLite always, PostgreSQL when configured. */
export function testDatabaseKinds(): ('sqlite' | 'postgres')[] {
  return process.env.RAMPART_TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** Hot stores: memory always, Redis when configured. */
export function testHotStoreKinds(): ('memory' | 'redis')[] {
  return process.env.RAMPART_TEST_REDIS_URL ? ['memory', 'redis'] : ['memory'];
}

/** A Redis key prefix no other test uses. */
export function uniqueRedisPrefix(): string {
  return `rampart-test:${randomBytes(6).toString('hex')}:`;
}
