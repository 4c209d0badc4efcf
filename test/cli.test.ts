import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/main.js';
import { spawnNode } from './support/spawn.js';

const bin = fileURLToPath(new URL('../bin/rampart.js', import.meta.url));
const strong = 'correct horse battery staple 42';

function workdir(): string {
  return mkdtempSync(join(tmpdir(), 'rampart-cli-'));
}

async function run(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
) {
  const p = spawnNode([bin, ...args], {
    cwd: options.cwd ?? workdir(),
    env: options.env ?? {},
    input: options.input ?? '',
  });
  const { code } = await p.exit();
  return { code, output: p.output() };
}

function allCommandPaths(): string[][] {
  const out: string[][] = [[]];
  const walk = (cmd: ReturnType<typeof buildProgram>, path: string[]) => {
    for (const sub of cmd.commands) {
      out.push([...path, sub.name()]);
      walk(sub, [...path, sub.name()]);
    }
  };
  walk(buildProgram(), []);
  return out;
}

describe('the rampart CLI', () => {
  it('prints --help for every command and exits 0', async () => {
    const paths = allCommandPaths();
    expect(paths.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining(['start', 'migrate', 'user create', 'keys rotate', 'config check']),
    );
    // One process per command, four at a time: about fifty Node start-ups in a row
    // took most of the test's time on a busy machine.
    const queue = [...paths];
    const worker = async () => {
      for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
        const { code, output } = await run([...path, '--help']);
        expect(code, path.join(' ')).toBe(0);
        expect(output, path.join(' ')).toContain('Usage: rampart');
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  }, 120_000);

  it('exits 2 on usage errors', async () => {
    expect((await run(['no-such-command'])).code).toBe(2);
    expect((await run(['user', 'create'])).code).toBe(2);
    expect((await run(['user', 'create', '--email', 'a@example.com', '--role', 'ROOT'])).code).toBe(
      2,
    );
  });

  it('config check passes a valid setup and lists every problem of an invalid one with exit 2', async () => {
    expect((await run(['config', 'check'])).code).toBe(0);
    const bad = await run(['config', 'check'], {
      env: {
        RAMPART_ENV: 'production',
        RAMPART_PUBLIC_URL: 'http://auth.example.com',
        RAMPART_CORS_ORIGINS: '*',
        RAMPART_PORT: 'x',
      },
    });
    expect(bad.code).toBe(2);
    for (const key of ['masterKey', 'publicUrl', 'cors.origins', 'port', 'databaseUrl'])
      expect(bad.output).toContain(`- ${key} (`);
  });

  it('config check --json is machine-readable and never prints the master key', async () => {
    const masterKey = randomBytes(32).toString('base64');
    const { code, output } = await run(['config', 'check', '--json'], {
      env: {
        RAMPART_MASTER_KEY: masterKey,
        RAMPART_DATABASE_URL: 'postgres://u:hunter2hunter2@db/x',
      },
    });
    expect(code).toBe(0);
    const verdict = JSON.parse(output) as {
      ok: boolean;
      effective: { masterKey: string; databaseUrl: string };
    };
    expect(verdict.ok).toBe(true);
    expect(verdict.effective.masterKey).toBe('[redacted]');
    expect(output).not.toContain(masterKey);
    expect(output).not.toContain('hunter2hunter2');
  });

  it('reads a YAML config file given with --config', async () => {
    const cwd = workdir();
    writeFileSync(join(cwd, 'conf.yaml'), 'env: production\n');
    const { code, output } = await run(['--config', 'conf.yaml', 'config', 'check'], { cwd });
    expect(code).toBe(2);
    expect(output).toContain('masterKey');
  });

  it('creates users from stdin, refuses weak passwords and duplicates, rotates keys and migrates', async () => {
    const cwd = workdir();
    const created = await run(
      ['user', 'create', '--email', 'Root@Example.com', '--role', 'ADMIN'],
      { cwd, input: `${strong}\n` },
    );
    expect(created.code, created.output).toBe(0);
    expect(created.output).toMatch(/created account \S+ <root@example.com> roles: ADMIN/);
    expect(created.output).not.toContain(strong);

    const weak = await run(['user', 'create', '--email', 'b@example.com'], {
      cwd,
      input: 'password\n',
    });
    expect(weak.code).toBe(2);
    expect(weak.output).toContain('password_too_short');
    const common = await run(['user', 'create', '--email', 'c@example.com'], {
      cwd,
      input: 'password1234\n',
    });
    expect(common.output).toContain('password_common');
    const dup = await run(['user', 'create', '--email', 'root@example.com'], {
      cwd,
      input: `${strong}\n`,
    });
    expect(dup.code).toBe(2);
    expect(dup.output).toContain('account_exists');

    const rotated = await run(['keys', 'rotate'], { cwd });
    expect(rotated.code, rotated.output).toBe(0);
    expect(rotated.output).toMatch(/new signing key \S+ \(EdDSA\)/);
    expect(rotated.output).toMatch(/retired \S+: verifies until/);

    expect((await run(['migrate'], { cwd })).output).toContain('up to date');
    expect((await run(['migrate', '--status'], { cwd })).output).toContain(
      'applied: 0001_foundation',
    );
    // Eight CLI processes in a row, each starting Node and opening the database.
  }, 120_000);

  // The policy needs no store: a refused password must not leave a database, a data
  // directory or a development master key behind for an account that was never created.
  it('refuses a short, a common and an email-like password with exit 2, writing nothing', async () => {
    const cwd = workdir();
    for (const [password, code] of [
      ['password', 'password_too_short'],
      ['password1234', 'password_common'],
      ['carol.example.2024', 'password_contains_email'],
    ] as const) {
      const refused = await run(['user', 'create', '--email', 'carol.example.2024@example.com'], {
        cwd,
        input: `${password}\n`,
      });
      expect(refused.code, refused.output).toBe(2);
      expect(refused.output).toContain(code);
      expect(refused.output).not.toContain('created account');
    }
    expect(readdirSync(cwd)).toEqual([]);
  }, 60_000);

  it('generates the development master key once, private, and never prints it', async () => {
    const cwd = workdir();
    const first = await run(['user', 'create', '--email', 'a@example.com'], { cwd, input: strong });
    expect(first.code, first.output).toBe(0);
    const keyFile = join(cwd, 'data', 'master.key');
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(first.output).not.toContain(key);
    await run(['keys', 'rotate'], { cwd });
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
  });

  it('start prints the URL and a bootstrap token that creates the first admin', async () => {
    const cwd = workdir();
    const server = spawnNode([bin, 'start'], { cwd, env: { RAMPART_PORT: '0' } });
    try {
      const [, url] = await server.waitFor(/Listening on\s+(\S+)/);
      const [, token] = await server.waitFor(/"token":"(rmpboot_[A-Za-z0-9_-]+)"/);
      // Started from outside the package, the hint names the command by its absolute path.
      expect(server.output()).toContain(
        `    ${bin} user create --email you@example.com --role ADMIN`,
      );
      const res = await fetch(`${url}/v1/auth/bootstrap`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, email: 'first@example.com', password: strong }),
      });
      expect(res.status).toBe(201);
      expect(((await res.json()) as { roles: string[] }).roles).toEqual(['ADMIN']);
      const again = await fetch(`${url}/v1/auth/bootstrap`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, email: 'second@example.com', password: strong }),
      });
      expect(((await again.json()) as { code: string }).code).toBe('bootstrap_unavailable');
    } finally {
      server.child.kill('SIGTERM');
      expect((await server.exit()).code).toBe(0);
    }
  });

  it('refuses to start against a schema newer than the code, with exit 1', async () => {
    const cwd = workdir();
    expect((await run(['migrate'], { cwd })).code).toBe(0);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(cwd, 'data', 'rampart.db'));
    db.prepare(
      "insert into rampart_migration (name, timestamp) values ('9999_from_the_future', '2030-01-01')",
    ).run();
    db.close();
    const started = await run(['start'], { cwd, env: { RAMPART_PORT: '0' } });
    expect(started.code).toBe(1);
    expect(started.output).toContain('9999_from_the_future');
  });

  it('refuses to start with an unreachable Redis before creating the database, with exit 1', async () => {
    // A start that fails must leave the database as it found it: the hot store is reached
    // before the SQLite file is created, let alone migrated.
    const cwd = workdir();
    const started = await run(['start'], {
      cwd,
      env: {
        RAMPART_PORT: '0',
        RAMPART_MASTER_KEY: randomBytes(32).toString('base64'),
        RAMPART_DATABASE_URL: 'sqlite:./rampart.db',
        RAMPART_REDIS_URL: 'redis://127.0.0.1:1',
      },
    });
    expect(started.code, started.output).toBe(1);
    expect(started.output).toContain('cannot connect to Redis (redisUrl)');
    expect(existsSync(join(cwd, 'rampart.db'))).toBe(false);
  });
});
