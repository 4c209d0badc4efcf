import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from './support/free-port.js';
import { spawnNode } from './support/spawn.js';

const bin = fileURLToPath(new URL('../bin/rampart.js', import.meta.url));

function emptyDir(): string {
  return mkdtempSync(join(tmpdir(), 'rampart-init-'));
}

/** Runs the CLI to its end in `cwd`; `shell` runs it after a POSIX shell sourced the env file. */
function rampart(cwd: string, args: string[], shell = false, env: NodeJS.ProcessEnv = {}) {
  const result = shell
    ? spawnSync(
        '/bin/sh',
        [
          '-c',
          `set -a; . ./rampart.env; set +a; exec "${process.execPath}" "${bin}" ${args.join(' ')}`,
        ],
        { cwd, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' },
      )
    : spawnSync(process.execPath, [bin, ...args], {
        cwd,
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
      });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

function envFile(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(dir, 'rampart.env'), 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) out[m[1] as string] = (m[2] as string).replace(/^'(.*)'$/, '$1');
  }
  return out;
}

const databaseUrl =
  'postgres://rampart:s3cr%21t@db.internal:5432/rampart?sslmode=require&application_name=rampart';

describe('rampart init', () => {
  it('writes a development config that checks, and never overwrites without --force', () => {
    const dir = emptyDir();
    const first = rampart(dir, ['init']);
    expect(first.code, first.output).toBe(0);
    expect(readdirSync(dir)).toEqual(['rampart.config.yaml']);
    const written = readFileSync(join(dir, 'rampart.config.yaml'), 'utf8');
    expect(written).toMatch(/^env: development$/m);
    expect(rampart(dir, ['config', 'check']).code).toBe(0);

    const again = rampart(dir, [
      'init',
      '--env',
      'production',
      '--public-url',
      'https://a.example',
    ]);
    expect(again.code).toBe(2);
    expect(again.output).toMatch(/exists; nothing was written/);
    expect(readFileSync(join(dir, 'rampart.config.yaml'), 'utf8')).toBe(written);
    expect(readdirSync(dir)).toEqual(['rampart.config.yaml']);
  }, 60_000);

  it('writes production settings and owner-only secrets that a shell loads and the check accepts', () => {
    const dir = emptyDir();
    const args = ['init', '--env', 'production', '--public-url', 'https://auth.example.com'];
    const res = rampart(dir, [
      ...args,
      '--database-url',
      databaseUrl,
      '--redis-url',
      'redis://cache:6379',
    ]);
    expect(res.code, res.output).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['rampart.config.yaml', 'rampart.env']);
    expect(statSync(join(dir, 'rampart.env')).mode & 0o777).toBe(0o600);

    const secrets = envFile(dir);
    expect(Buffer.from(secrets.RAMPART_MASTER_KEY as string, 'base64')).toHaveLength(32);
    expect((secrets.RAMPART_METRICS_TOKEN as string).length).toBeGreaterThanOrEqual(32);
    expect(secrets.RAMPART_DATABASE_URL).toBe(databaseUrl);
    // No secret in the config file, which may well end up in version control.
    const config = readFileSync(join(dir, 'rampart.config.yaml'), 'utf8');
    for (const secret of [secrets.RAMPART_MASTER_KEY, secrets.RAMPART_METRICS_TOKEN, 's3cr'])
      expect(config).not.toContain(secret);
    expect(config).toMatch(/^publicUrl: https:\/\/auth\.example\.com$/m);

    // A POSIX shell reads the quoted URL (with its & and %) as written.
    const check = rampart(dir, ['config', 'check'], true);
    expect(check.code, check.output).toBe(0);
    expect(check.output).toContain('env production; PostgreSQL; hot state Redis');

    expect(check.output).toContain('mail.transport is log in production');

    // Another init makes other secrets; with SMTP, mail is delivered.
    const other = emptyDir();
    const smtp = 'smtp://rampart:p%40ss@mail.internal:587';
    const withMail = rampart(other, [
      ...args,
      '--database-url',
      databaseUrl,
      '--smtp-url',
      smtp,
      '--mail-from',
      'Rampart <security@example.com>',
    ]);
    expect(withMail.code, withMail.output).toBe(0);
    expect(envFile(other).RAMPART_MASTER_KEY).not.toBe(secrets.RAMPART_MASTER_KEY);
    expect(envFile(other).RAMPART_MAIL_SMTP_URL).toBe(smtp);
    const mailCheck = rampart(other, ['config', 'check'], true);
    expect(mailCheck.code, mailCheck.output).toBe(0);
    expect(mailCheck.output).not.toContain('mail.transport');
  }, 60_000);

  it('writes nothing when the result would not start, and names the problem', () => {
    const dir = emptyDir();
    const res = rampart(dir, [
      'init',
      '--env',
      'production',
      '--public-url',
      'http://auth.example.com',
      '--database-url',
      'postgres://db/rampart',
    ]);
    expect(res.code).toBe(2);
    expect(res.output).toMatch(/publicUrl \(.*rampart\.config\.yaml\): must use https:\/\//);
    expect(res.output).not.toContain('.rampart-init-');
    expect(readdirSync(dir)).toEqual([]);

    // SQLite in production is an explicit opt-in that init does not make for you.
    const sqlite = rampart(dir, [
      'init',
      '--env',
      'production',
      '--public-url',
      'https://a.example',
    ]);
    expect(sqlite.code).toBe(2);
    expect(sqlite.output).toContain('allowSqliteInProduction');
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);

  it('writes where start will read: --config, else RAMPART_CONFIG, making the directories', () => {
    const dir = emptyDir();
    const env = { RAMPART_CONFIG: 'etc/rampart/rampart.json' };
    const res = rampart(dir, ['init', '--redis-url', 'redis://cache:6379'], false, env);
    expect(res.code, res.output).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'etc/rampart/rampart.json'), 'utf8'))).toEqual({
      env: 'development',
      port: 8080,
      redisUrl: 'redis://cache:6379',
    });
    const check = rampart(dir, ['config', 'check'], false, env);
    expect(check.code, check.output).toBe(0);
    expect(check.output).toContain('hot state Redis');
    const flag = rampart(dir, ['--config', 'other.yaml', 'init'], false, env);
    expect(flag.code, flag.output).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['etc', 'other.yaml']);
  }, 60_000);

  it('replaces files with --force and keeps the secrets owner-only', () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'rampart.env'), 'OLD=1\n', { mode: 0o644 });
    const args = ['init', '--env', 'staging', '--database-url', 'sqlite:./data/rampart.db'];
    expect(rampart(dir, args).code).toBe(2);
    expect(readFileSync(join(dir, 'rampart.env'), 'utf8')).toBe('OLD=1\n');
    const forced = rampart(dir, [...args, '--force']);
    expect(forced.code, forced.output).toBe(0);
    expect(statSync(join(dir, 'rampart.env')).mode & 0o777).toBe(0o600);
    expect(envFile(dir).OLD).toBeUndefined();
  }, 60_000);

  it('produces a staging setup that starts and serves', async () => {
    const dir = emptyDir();
    const init = rampart(dir, [
      'init',
      '--env',
      'staging',
      '--database-url',
      'sqlite:./data/rampart.db',
    ]);
    expect(init.code, init.output).toBe(0);
    const port = await freePort();
    const server = spawnNode([bin, 'start'], {
      cwd: dir,
      env: { ...envFile(dir), RAMPART_PORT: String(port) },
    });
    try {
      await server.waitFor(/Server listening/, 30_000);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      expect(server.output()).toContain('(staging)');
    } finally {
      server.child.kill('SIGTERM');
      await server.exit();
    }
  }, 60_000);
});
