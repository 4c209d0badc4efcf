import { describe } from 'vitest';
import { createMemoryIdentityStores } from '../../src/storage/memory/memory-identity-stores.js';
import { createSqlIdentityStores } from '../../src/storage/sql/index.js';
import { openMigratedTestDatabase, testDatabaseKinds } from '../support/test-databases.js';
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
      const database = await openMigratedTestDatabase(kind);
      return { stores: createSqlIdentityStores(database.handle.db), close: database.close };
    },
  };
}

for (const kind of ['memory', ...testDatabaseKinds()] as const) {
  describe(`identity stores conformance: ${kind}`, () => {
    defineIdentityStoresConformance(kind === 'memory' ? memory : sql(kind));
  });
}
