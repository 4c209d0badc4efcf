import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../storage/database.js';
import { migrateToLatest } from '../storage/migrate.js';
import { encryptedFields } from './core/encrypted-fields.js';

describe('encrypted fields', () => {
  it('list every sealed column of the schema, so rotate-data re-encrypts them all', async () => {
    const database = openDatabase('sqlite::memory:');
    try {
      await migrateToLatest(database);
      const { rows: tables } = await sql<{ name: string }>`
        select name from sqlite_master where type = 'table'`.execute(database.db);
      const sealed: string[] = [];
      for (const { name } of tables) {
        const { rows: columns } = await sql<{ name: string }>`
          select name from pragma_table_info(${name})`.execute(database.db);
        for (const column of columns) {
          if (column.name.endsWith('_sealed')) sealed.push(`${name}.${column.name}`);
        }
      }
      // The data keys themselves are sealed by the master key, not by the ring.
      const expected = sealed.filter((c) => c !== 'data_keys.key_sealed').sort();
      expect(encryptedFields.map((f) => `${f.table}.${f.column}`).sort()).toEqual(expected);
    } finally {
      await database.close();
    }
  });
});
