import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { spawnNode } from './support/spawn.js';
import { createTestDatabase } from './support/test-databases.js';

/**
 * A start that fails on a dependency leaves the disk as it found it. `rampart start` with
 * the embedded default (SQLite in the data directory) and a Redis or PostgreSQL that does
 * not answer used to create the data directory, the development master key and an empty
 * SQLite file before giving up: a mistyped URL left behind a key and a database that no
 * one had asked for. Every dependency is now reached before anything is written; the
 * commands that open the stores the same way (`user create`, `keys rotate`) follow the
 * same rule.
 */

const bin = fileURLToPath(new URL('../bin/rampart.js', import.meta.url));

const unreachable = [
  {
    name: 'Redis',
    env: { RAMPART_REDIS_URL: 'redis://127.0.0.1:1' },
    // The cause, not ioredis's bare "Connection is closed.".
    says: 'cannot connect to Redis (redisUrl): connect ECONNREFUSED 127.0.0.1:1',
  },
  {
    name: 'PostgreSQL',
    env: { RAMPART_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' },
    says: 'cannot reach the database postgres://postgres@127.0.0.1:1/x (databaseUrl)',
  },
] as const;

const commands = [
  { args: ['start'], input: '' },
  {
    args: ['user', 'create', '--email', 'a@example.com'],
    input: 'correct horse battery staple 42',
  },
  { args: ['keys', 'rotate'], input: '' },
] as const;

/** Runs the CLI in a fresh working directory with its data directory at `<cwd>/state`. */
async function runWithDataDir(
  args: readonly string[],
  env: Record<string, string>,
  options: { input: string; dataDirExists: boolean },
) {
  const cwd = mkdtempSync(join(tmpdir(), 'rampart-failed-start-'));
  const dataDir = join(cwd, 'state');
  if (options.dataDirExists) mkdirSync(dataDir, { mode: 0o700 });
  // Development (the default environment) with no master key: a start that got as far as
  // the key would generate one into the data directory.
  const child = spawnNode([bin, ...args], {
    cwd,
    env: { RAMPART_PORT: '0', RAMPART_DATA_DIR: dataDir, ...env },
    input: options.input,
  });
  const timer = setTimeout(() => child.child.kill('SIGKILL'), 30_000);
  const { code } = await child.exit();
  clearTimeout(timer);
  return { code, output: child.output(), cwd, dataDir };
}

describe('a start that fails on a dependency', () => {
  for (const dependency of unreachable) {
    it(`exits 1 naming the setting and writes nothing when ${dependency.name} does not answer`, async () => {
      const { code, output, cwd, dataDir } = await runWithDataDir(['start'], dependency.env, {
        input: '',
        dataDirExists: false,
      });
      expect(code, output).toBe(1);
      expect(output).toContain(dependency.says);
      expect(existsSync(dataDir), `${dataDir} was created`).toBe(false);
      expect(readdirSync(cwd)).toEqual([]);
    });

    it(`creates no log file when ${dependency.name} does not answer`, async () => {
      const { code, output, cwd } = await runWithDataDir(
        ['start'],
        {
          ...dependency.env,
          RAMPART_LOG_FILE_PATH: 'logs/rampart.log',
          RAMPART_CORS_ORIGINS: '*',
          RAMPART_CORS_ALLOW_CREDENTIALS: 'false',
        },
        { input: '', dataDirExists: false },
      );
      expect(code, output).toBe(1);
      expect(output).toContain(dependency.says);
      // The configuration's warnings, which would have gone to the log, are shown instead.
      expect(output).toContain('warning: cors.origins allows every origin ("*")');
      // Neither the file nor its directory: the log opens once the stores have answered.
      expect(readdirSync(cwd)).toEqual([]);
    });

    it(`leaves an existing empty data directory empty when ${dependency.name} does not answer`, async () => {
      const { code, output, dataDir } = await runWithDataDir(['start'], dependency.env, {
        input: '',
        dataDirExists: true,
      });
      expect(code, output).toBe(1);
      expect(output).toContain(dependency.says);
      expect(readdirSync(dataDir)).toEqual([]);
    });
  }

  it.skipIf(!process.env.RAMPART_TEST_DATABASE_URL)(
    'migrates nothing into a PostgreSQL that answers when Redis does not',
    async () => {
      const database = await createTestDatabase('postgres');
      try {
        const { code, output, dataDir } = await runWithDataDir(
          ['start'],
          { RAMPART_DATABASE_URL: database.url, RAMPART_REDIS_URL: 'redis://127.0.0.1:1' },
          { input: '', dataDirExists: false },
        );
        expect(code, output).toBe(1);
        expect(output).toContain('cannot connect to Redis (redisUrl)');
        expect(existsSync(dataDir)).toBe(false);
        const schema = new URL(database.url).searchParams.get('options')?.split('=')[1] ?? '';
        const client = new pg.Client({ connectionString: process.env.RAMPART_TEST_DATABASE_URL });
        await client.connect();
        try {
          const tables = await client.query(
            'select table_name from information_schema.tables where table_schema = $1',
            [schema],
          );
          expect(tables.rows).toEqual([]);
        } finally {
          await client.end();
        }
      } finally {
        await database.drop();
      }
    },
  );

  it('writes nothing for the other commands that open the stores either', async () => {
    const runs = commands.flatMap((command) =>
      unreachable.map(async (dependency) => {
        const label = `rampart ${command.args.join(' ')} without ${dependency.name}`;
        const { code, output, dataDir } = await runWithDataDir(command.args, dependency.env, {
          input: command.input,
          dataDirExists: false,
        });
        expect(code, `${label}: ${output}`).toBe(1);
        expect(output, label).toContain(dependency.says);
        expect(existsSync(dataDir), `${label} created ${dataDir}`).toBe(false);
      }),
    );
    await Promise.all(runs);
  }, 60_000);
});

describe('a read-only command on a machine where Rampart never ran', () => {
  // They only read the stores; each used to create an empty SQLite file (and its
  // directory) and then report that it was not migrated.
  const readers = [
    ['report', 'security', '--from', '2026-01-01'],
    ['audit', 'verify'],
    ['keys', 'master-status'],
  ] as const;

  it('says there is no database yet and creates none', async () => {
    const masterKey = randomBytes(32).toString('base64');
    await Promise.all(
      readers.map(async (args) => {
        const label = `rampart ${args.join(' ')}`;
        const { code, output, cwd } = await runWithDataDir(
          args,
          { RAMPART_MASTER_KEY: masterKey },
          { input: '', dataDirExists: false },
        );
        expect(code, `${label}: ${output}`).toBe(1);
        expect(output, label).toMatch(
          /no database at sqlite:\S+rampart\.db \(databaseUrl\): run rampart migrate/,
        );
        expect(readdirSync(cwd), `${label} wrote`).toEqual([]);
      }),
    );
  }, 60_000);
});
