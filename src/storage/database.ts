import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type LogEvent, type SqliteDatabase, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { makeDirectory } from '../shared/make-directory.js';
import type { Database } from './database-schema.js';
import { CurrentSchemaPostgresDialect } from './postgres/current-schema-introspector.js';

export type DatabaseDialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: DatabaseDialect;
  /** A description safe to log: no password. */
  readonly description: string;
  /** Round-trips a trivial query; resolves with the latency in ms. */
  ping(): Promise<number>;
  /**
   * Calls `observer` after every query with its kind, duration and outcome (metrics);
   * one observer at a time, `undefined` removes it.
   */
  observeQueries(observer: QueryObserver | undefined): void;
  /** PostgreSQL pool occupancy; undefined on SQLite (one connection, no pool). */
  poolStats(): PoolStats | undefined;
  close(): Promise<void>;
}

/** `select`, `insert`, `update`, `delete` or `other` (raw SQL, DDL). */
export type QueryKind = 'select' | 'insert' | 'update' | 'delete' | 'other';

export type QueryObserver = (kind: QueryKind, seconds: number, failed: boolean) => void;

export interface PoolStats {
  /** Connections open, idle or busy. */
  total: number;
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
  max: number;
}

const queryKinds: Readonly<Record<string, QueryKind>> = {
  SelectQueryNode: 'select',
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  DeleteQueryNode: 'delete',
};

/**
 * Kysely's `log` hook, forwarding to whichever observer is set. Kysely times a query only
 * when `log` is configured; the cost is two clock reads per query.
 */
function queryLog() {
  let observer: QueryObserver | undefined;
  return {
    log(event: LogEvent) {
      if (observer === undefined) return;
      const kind = queryKinds[event.query.query.kind] ?? 'other';
      observer(kind, event.queryDurationMillis / 1000, event.level === 'error');
    },
    set(next: QueryObserver | undefined) {
      observer = next;
    },
  };
}

export interface OpenDatabaseOptions {
  /** PostgreSQL pool size; default 10. */
  poolSize?: number;
  /**
   * A SQLite file must exist already: commands that only read (reports, audit
   * verification, key status) must not create an empty database, and its directory, on a
   * machine where Rampart never ran.
   */
  existing?: boolean;
}

// PostgreSQL returns int8 as a string; our bigints are millisecond timestamps and
// counters far below 2^53, so parse them to numbers on this pool only (no global state).
const int8Oid = 20;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === int8Oid) return (value: string) => Number.parseInt(value, 10);
    return pg.types.getTypeParser(oid, format);
  },
};

export function describeDatabaseUrl(url: string): string {
  if (url.startsWith('sqlite:')) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres (unparseable URL)';
  }
}

function sqlitePath(url: string): string {
  const rest = url.slice('sqlite:'.length);
  if (rest === ':memory:' || rest === '') return ':memory:';
  return rest.startsWith('//') ? rest.slice(2) : rest;
}

/**
 * Kysely's SQLite driver calls `prepare` for every query; compiling the same SQL again
 * costs more than running it on the hot path (a token check plus one account read). This
 * wrapper remembers up to `size` statements by their SQL text. A statement still being
 * iterated (a streamed select) is `busy` and cannot be reused, so a fresh one is prepared.
 */
function withStatementCache(database: BetterSqlite3.Database, size = 256): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = (sql: string): BetterSqlite3.Statement => {
    const cached = cache.get(sql);
    if (cached && !cached.busy) return cached;
    const statement = database.prepare(sql);
    if (!cached) {
      if (cache.size >= size) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      cache.set(sql, statement);
    }
    return statement;
  };
  // Kysely's driver uses only `prepare` and `close`.
  return {
    prepare,
    close() {
      cache.clear();
      database.close();
    },
  };
}

function openSqlite(url: string): DatabaseHandle {
  const path = sqlitePath(url);
  if (path !== ':memory:') makeDirectory(dirname(path), 0o700);
  const database = new BetterSqlite3(path);
  database.pragma('journal_mode = WAL');
  // WAL + NORMAL survives a process crash; the audit trail adds explicit checkpoints
  // where power-loss durability matters.
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const queries = queryLog();
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
    log: queries.log,
  });
  return {
    db,
    dialect: 'sqlite',
    description: `sqlite:${path}`,
    observeQueries: queries.set,
    poolStats: () => undefined,
    async ping() {
      const start = performance.now();
      await sql`select 1`.execute(db);
      return performance.now() - start;
    },
    async close() {
      await db.destroy();
    },
  };
}

function openPostgres(url: string, options: OpenDatabaseOptions): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types: pgTypes,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that loses its connection emits 'error' on the pool; without a
  // listener that would crash the process. The next query reconnects.
  pool.on('error', () => {});
  const queries = queryLog();
  const db = new Kysely<Database>({
    dialect: new CurrentSchemaPostgresDialect({ pool }),
    log: queries.log,
  });
  const max = options.poolSize ?? 10;
  return {
    db,
    dialect: 'postgres',
    description: describeDatabaseUrl(url),
    observeQueries: queries.set,
    poolStats: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max,
    }),
    async ping() {
      const start = performance.now();
      await sql`select 1`.execute(db);
      return performance.now() - start;
    },
    async close() {
      await db.destroy();
    },
  };
}

/** The configured database cannot be opened or does not answer. */
export class DatabaseUnreachableError extends Error {
  readonly code = 'database_unreachable';
  constructor(description: string, cause: unknown) {
    // The driver's message alone ("connect ECONNREFUSED 127.0.0.1:5432") does not say
    // which setting is wrong; the description never holds the password.
    super(
      `cannot reach the database ${description} (databaseUrl): ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = 'DatabaseUnreachableError';
  }
}

/** A SQLite database opened with `existing: true` is not there yet. */
export class DatabaseMissingError extends Error {
  readonly code = 'database_missing';
  constructor(description: string) {
    super(
      `no database at ${description} (databaseUrl): run rampart migrate, or start Rampart once, first`,
    );
    this.name = 'DatabaseMissingError';
  }
}

/**
 * Round-trips a trivial query so that a wrong or unreachable database fails here, once,
 * naming the database, rather than in whatever query happens to come first.
 *
 * @throws {DatabaseUnreachableError}
 */
export async function ensureReachable(handle: DatabaseHandle): Promise<void> {
  try {
    await handle.ping();
  } catch (error) {
    throw new DatabaseUnreachableError(handle.description, error);
  }
}

/**
 * Opens the durable store named by a database URL: `sqlite:<path>`, `sqlite::memory:`,
 * or `postgres://…` / `postgresql://…`.
 *
 * @example
 * const handle = openDatabase('sqlite:./data/rampart.db');
 * await migrateToLatest(handle);
 */
export function openDatabase(url: string, options: OpenDatabaseOptions = {}): DatabaseHandle {
  if (url.startsWith('sqlite:')) {
    const path = sqlitePath(url);
    if (options.existing && path !== ':memory:' && !existsSync(path))
      throw new DatabaseMissingError(`sqlite:${path}`);
    try {
      return openSqlite(url);
    } catch (error) {
      throw new DatabaseUnreachableError(describeDatabaseUrl(url), error);
    }
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://'))
    return openPostgres(url, options);
  throw new Error(`unsupported database URL scheme: ${describeDatabaseUrl(url)}`);
}
