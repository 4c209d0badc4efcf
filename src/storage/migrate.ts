import { type Kysely, type MigrationResultSet, Migrator, sql } from 'kysely';
import type { DatabaseHandle } from './database.js';
import { migrations } from './migrations/index.js';

export const migrationTable = 'rampart_migration';
export const migrationLockTable = 'rampart_migration_lock';

/** The database was migrated by a newer Rampart: running older code against it is unsafe. */
export class SchemaAheadError extends Error {
  readonly code = 'schema_ahead_of_code';
  readonly unknownMigrations: readonly string[];
  constructor(unknown: readonly string[]) {
    super(
      `The database schema is newer than this Rampart (unknown migrations: ${unknown.join(', ')}). Upgrade Rampart; do not run older code against it.`,
    );
    this.name = 'SchemaAheadError';
    this.unknownMigrations = unknown;
  }
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  unknown: string[];
}

/**
 * PostgreSQL: the schema the connection's search_path resolves to. Introspection lists
 * the tables of every schema, and another schema's migration table (a second Rampart in
 * the same database, a concurrent test) must not be mistaken for ours.
 */
async function ownSchema(handle: DatabaseHandle): Promise<string | undefined> {
  if (handle.dialect !== 'postgres') return undefined;
  const result = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(
    handle.db,
  );
  return result.rows[0]?.schema ?? undefined;
}

function createMigrator(db: Kysely<unknown>, schema: string | undefined): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...migrations }) },
    migrationTableName: migrationTable,
    migrationLockTableName: migrationLockTable,
    // Numbers are reserved per capability (0041 belongs with 0040), so a migration added
    // later may sort before one a database already applied; each one stands alone.
    allowUnorderedMigrations: true,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

async function appliedNames(handle: DatabaseHandle): Promise<string[]> {
  // A direct catalogue lookup rather than Kysely's introspection, which lists every
  // table: readiness probes call this every few seconds.
  const exists =
    handle.dialect === 'postgres'
      ? await sql<{ t: string | null }>`select to_regclass(${migrationTable})::text as t`.execute(
          handle.db,
        )
      : await sql<{
          t: string | null;
        }>`select name as t from sqlite_master where type = 'table' and name = ${migrationTable}`.execute(
          handle.db,
        );
  if (!exists.rows[0]?.t) return [];
  const rows = await sql<{
    name: string;
  }>`select name from ${sql.table(migrationTable)} order by name`.execute(handle.db);
  return rows.rows.map((r) => r.name);
}

export async function migrationStatus(handle: DatabaseHandle): Promise<MigrationStatus> {
  const applied = await appliedNames(handle);
  const known = Object.keys(migrations);
  return {
    applied: applied.filter((n) => known.includes(n)),
    pending: known.filter((n) => !applied.includes(n)),
    unknown: applied.filter((n) => !known.includes(n)),
  };
}

/**
 * Applies every pending migration (PostgreSQL: under Kysely's migration lock, so several
 * nodes starting at once migrate exactly once).
 *
 * @throws {SchemaAheadError} when the database knows migrations this code does not.
 */
export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  const status = await migrationStatus(handle);
  if (status.unknown.length > 0) throw new SchemaAheadError(status.unknown);
  const { error, results }: MigrationResultSet = await createMigrator(
    handle.db as unknown as Kysely<unknown>,
    await ownSchema(handle),
  ).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
