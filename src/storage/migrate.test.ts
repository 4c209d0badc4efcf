import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-databases.js';
import { openDatabase } from './database.js';
import { migrateToLatest, migrationStatus, migrationTable } from './migrate.js';
import { migrations } from './migrations/index.js';

describe.skipIf(!process.env.RAMPART_TEST_DATABASE_URL)('migrations on PostgreSQL', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function open(): Promise<ReturnType<typeof openDatabase>> {
    const testDatabase: TestDatabase = await createTestDatabase('postgres');
    const handle = openDatabase(testDatabase.url);
    cleanups.push(async () => {
      await handle.close();
      await testDatabase.drop();
    });
    return handle;
  }

  // Introspection lists the tables of every schema: another schema's migration table
  // (another Rampart in the same database, a concurrent test) must not count as ours.
  it('migrates a fresh schema while another schema already holds a migrated Rampart', async () => {
    const first = await open();
    await migrateToLatest(first);
    const second = await open();
    expect((await migrationStatus(second)).applied).toEqual([]);
    expect(await migrateToLatest(second)).toEqual(Object.keys(migrations));
    expect((await migrationStatus(second)).pending).toEqual([]);
  });
});

describe('a migration numbered before ones already applied', () => {
  // Numbers are reserved per capability: 0041 arrives after a database applied 0052.
  it('is applied to a database migrated by the code before it', async () => {
    const handle = openDatabase('sqlite::memory:');
    try {
      await migrateToLatest(handle);
      await handle.db.schema.dropTable('master_key_rotations').execute();
      await sql`delete from ${sql.table(migrationTable)} where name = '0041_dataprotect_master_keys'`.execute(
        handle.db,
      );
      expect((await migrationStatus(handle)).pending).toEqual(['0041_dataprotect_master_keys']);
      expect(await migrateToLatest(handle)).toEqual(['0041_dataprotect_master_keys']);
      expect((await migrationStatus(handle)).pending).toEqual([]);
    } finally {
      await handle.close();
    }
  });
});
