import { type Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/storage/database.js';
import {
  migrateToLatest,
  migrationStatus,
  migrationTable,
  SchemaAheadError,
} from '../../src/storage/migrate.js';
import { migrations } from '../../src/storage/migrations/index.js';
import { createSqlIdentityStores } from '../../src/storage/sql/index.js';
import {
  createTestDatabase,
  type TestDatabase,
  testDatabaseKinds,
} from '../support/test-databases.js';

interface MigrationTable {
  [migrationTable]: { name: string; timestamp: string };
}

const known = Object.keys(migrations);
const futureMigration = '9999_from_a_newer_rampart';

async function tableNames(handle: DatabaseHandle): Promise<string[]> {
  const tables = await handle.db.introspection.getTables();
  return tables.map((t) => t.name);
}

function migrationRows(handle: DatabaseHandle): Kysely<MigrationTable> {
  return handle.db as unknown as Kysely<MigrationTable>;
}

for (const kind of testDatabaseKinds()) {
  describe(`migrations: ${kind}`, () => {
    const cleanups: (() => Promise<void>)[] = [];

    async function open(existing?: TestDatabase): Promise<{ handle: DatabaseHandle; url: string }> {
      const database = existing ?? (await createTestDatabase(kind));
      if (!existing) cleanups.push(() => database.drop());
      const handle = openDatabase(database.url);
      // Closed before the schema is dropped: cleanups run last-in, first-out.
      cleanups.push(() => handle.close());
      return { handle, url: database.url };
    }

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    it('reports every migration pending on an empty database, then applies them all', async () => {
      const { handle } = await open();
      expect(await migrationStatus(handle)).toEqual({ applied: [], pending: known, unknown: [] });
      expect(await migrateToLatest(handle)).toEqual(known);
      expect(await migrationStatus(handle)).toEqual({ applied: known, pending: [], unknown: [] });
      expect(await tableNames(handle)).toEqual(
        expect.arrayContaining(['accounts', 'account_roles', 'invites', 'signing_keys']),
      );
    });

    it('is idempotent: a second run applies nothing and keeps the data', async () => {
      const { handle } = await open();
      await migrateToLatest(handle);
      const stores = createSqlIdentityStores(handle.db);
      const created = await stores.accounts.createAccount({
        id: 'a1',
        email: 'kept@example.com',
        name: null,
        passwordHash: 'h',
        roles: ['ADMIN'],
        now: 1,
      });
      expect(created.status).toBe('created');
      expect(await migrateToLatest(handle)).toEqual([]);
      expect((await stores.accounts.findAccountById('a1'))?.email).toBe('kept@example.com');
      const rows = await migrationRows(handle).selectFrom(migrationTable).select('name').execute();
      expect(rows.map((r) => r.name)).toEqual(known);
    });

    it('refuses a database migrated by newer code with SchemaAheadError naming the unknown migration', async () => {
      const { handle } = await open();
      await migrateToLatest(handle);
      await migrationRows(handle)
        .insertInto(migrationTable)
        .values({ name: futureMigration, timestamp: new Date().toISOString() })
        .execute();
      expect(await migrationStatus(handle)).toEqual({
        applied: known,
        pending: [],
        unknown: [futureMigration],
      });
      const error = await migrateToLatest(handle).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaAheadError);
      expect(error).toMatchObject({
        code: 'schema_ahead_of_code',
        unknownMigrations: [futureMigration],
      });
    });

    it('checks for unknown migrations before applying any pending one', async () => {
      const { handle } = await open();
      await sql`create table ${sql.table(migrationTable)} (name varchar(255) primary key, timestamp varchar(255) not null)`.execute(
        handle.db,
      );
      await migrationRows(handle)
        .insertInto(migrationTable)
        .values({ name: futureMigration, timestamp: new Date().toISOString() })
        .execute();
      expect(await migrationStatus(handle)).toEqual({
        applied: [],
        pending: known,
        unknown: [futureMigration],
      });
      await expect(migrateToLatest(handle)).rejects.toBeInstanceOf(SchemaAheadError);
      expect(await tableNames(handle)).not.toContain('accounts');
    });

    it('0006 keeps only the newest unused invite of each email, then allows one per email', async () => {
      const { handle } = await open();
      await migrateToLatest(handle);
      const step = migrations['0006_identity_invite_per_email'];
      if (!step?.down) throw new Error('0006_identity_invite_per_email has no down step');
      // As a database written before 0006 may hold them.
      await step.down(handle.db);
      const invite = (id: string, email: string | null, createdAt: number, usedAt?: number) => ({
        id,
        token_hash: `hash-${id}`,
        email,
        roles: '[]',
        created_by: null,
        created_at: createdAt,
        expires_at: createdAt + 3_600_000,
        used_at: usedAt ?? null,
        used_by: null,
      });
      await handle.db
        .insertInto('invites')
        .values([
          invite('a-old', 'a@example.com', 1000),
          invite('a-new', 'a@example.com', 2000),
          invite('a-tie-1', 'tie@example.com', 3000),
          invite('a-tie-2', 'tie@example.com', 3000),
          invite('a-used', 'a@example.com', 500, 600),
          invite('open-1', null, 1000),
          invite('open-2', null, 1000),
          invite('b', 'b@example.com', 1000),
        ])
        .execute();
      await step.up(handle.db);
      const ids = (await handle.db.selectFrom('invites').select('id').orderBy('id').execute()).map(
        (r) => r.id,
      );
      expect(ids).toEqual(['a-new', 'a-tie-2', 'a-used', 'b', 'open-1', 'open-2']);
      await expect(
        handle.db
          .insertInto('invites')
          .values(invite('a-again', 'a@example.com', 4000))
          .execute(),
      ).rejects.toMatchObject({ code: kind === 'postgres' ? '23505' : 'SQLITE_CONSTRAINT_UNIQUE' });
      await handle.db
        .insertInto('invites')
        .values(invite('open-3', null, 4000))
        .execute();
    });

    it('0007 keeps only the newest unused reset link of each account, then allows one per account', async () => {
      const { handle } = await open();
      await migrateToLatest(handle);
      const step = migrations['0007_identity_reset_per_account'];
      if (!step?.down) throw new Error('0007_identity_reset_per_account has no down step');
      // As a database written before 0007 may hold them.
      await step.down(handle.db);
      const stores = createSqlIdentityStores(handle.db);
      for (const id of ['acc-a', 'acc-b']) {
        const created = await stores.accounts.createAccount({
          id,
          email: `${id}@example.com`,
          name: null,
          passwordHash: 'h',
          roles: [],
          now: 1,
        });
        expect(created.status).toBe('created');
      }
      const link = (id: string, accountId: string, createdAt: number, usedAt?: number) => ({
        id,
        token_hash: `hash-${id}`,
        account_id: accountId,
        created_at: createdAt,
        expires_at: createdAt + 900_000,
        used_at: usedAt ?? null,
      });
      await handle.db
        .insertInto('password_reset_tokens')
        .values([
          link('a-old', 'acc-a', 1000),
          link('a-new', 'acc-a', 2000),
          link('a-used', 'acc-a', 500, 600),
          link('b-tie-1', 'acc-b', 3000),
          link('b-tie-2', 'acc-b', 3000),
        ])
        .execute();
      await step.up(handle.db);
      const ids = (
        await handle.db.selectFrom('password_reset_tokens').select('id').orderBy('id').execute()
      ).map((r) => r.id);
      expect(ids).toEqual(['a-new', 'a-used', 'b-tie-2']);
      await expect(
        handle.db
          .insertInto('password_reset_tokens')
          .values(link('a-again', 'acc-a', 4000))
          .execute(),
      ).rejects.toMatchObject({ code: kind === 'postgres' ? '23505' : 'SQLITE_CONSTRAINT_UNIQUE' });
      // A spent link is outside the index: the account's next link goes in beside it.
      await handle.db
        .insertInto('password_reset_tokens')
        .values(link('b-used', 'acc-b', 4000, 4001))
        .execute();
    });

    if (kind === 'postgres') {
      it('applies each migration once when two nodes migrate one database concurrently', async () => {
        const first = await open();
        const database = { name: kind, url: first.url, drop: async () => {} } as const;
        const second = await open(database);
        const [a, b] = await Promise.all([
          migrateToLatest(first.handle),
          migrateToLatest(second.handle),
        ]);
        expect([...a, ...b]).toEqual(known);
        const rows = await migrationRows(first.handle)
          .selectFrom(migrationTable)
          .select('name')
          .execute();
        expect(rows.map((r) => r.name)).toEqual(known);
        expect(await migrationStatus(second.handle)).toEqual({
          applied: known,
          pending: [],
          unknown: [],
        });
      });

      it('migrates its own schema while another schema on the server is already migrated', async () => {
        const other = await open();
        await migrateToLatest(other.handle);
        const { handle } = await open();
        expect(await tableNames(handle)).toEqual([]);
        expect(await migrationStatus(handle)).toEqual({ applied: [], pending: known, unknown: [] });
        expect(await migrateToLatest(handle)).toEqual(known);
        expect(await migrationStatus(handle)).toEqual({ applied: known, pending: [], unknown: [] });
      });
    }
  });
}
