import { describe } from 'vitest';
import { openDatabase } from '../../src/storage/database.js';
import { createMemoryIdentityStores } from '../../src/storage/memory/memory-identity-stores.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { createSqlIdentityStores } from '../../src/storage/sql/index.js';
import { createTestDatabase, testDatabaseKinds } from '../support/test-databases.js';
import {
  defineIdentityStoresConformance,
  type IdentityStoresHarness,
} from './identity-stores.conformance.js';

const memory: IdentityStoresHarness = {
  open: async () => ({ stores: createMemoryIdentityStores(), close: async () => {} }),
};

function sql(kind: 'sqlite' | 'postgres'): IdentityStoresHarness {
  return {
    async open() {
      const testDatabase = await createTestDatabase(kind);
      const handle = openDatabase(testDatabase.url);
      try {
        await migrateToLatest(handle);
      } catch (error) {
        await handle.close();
        await testDatabase.drop();
        throw error;
      }
      return {
        stores: createSqlIdentityStores(handle.db),
        async close() {
          await handle.close();
          await testDatabase.drop();
        },
      };
    },
  };
}

for (const kind of ['memory', ...testDatabaseKinds()] as const) {
  describe(`identity stores conformance: ${kind}`, () => {
    defineIdentityStoresConformance(kind === 'memory' ? memory : sql(kind));
  });
}
