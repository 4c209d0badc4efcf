import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configKeys } from './config-keys.js';
import { checkConfig, loadConfig } from './load-config.js';

const goodKey = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256)).toString(
  'base64',
);

function dir(files: Record<string, string> = {}): string {
  const d = mkdtempSync(join(tmpdir(), 'rampart-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

const production = {
  RAMPART_ENV: 'production',
  RAMPART_MASTER_KEY: goodKey,
  RAMPART_PUBLIC_URL: 'https://auth.example.com',
  RAMPART_DATABASE_URL: 'postgres://rampart@db/rampart',
  RAMPART_METRICS_TOKEN: 'metrics-scrape-token-0123456789',
};

describe('configuration loading', () => {
  it('uses defaults when nothing is set, and freezes the result', () => {
    const { config } = loadConfig({ env: {}, cwd: dir() });
    expect(config.env).toBe('development');
    expect(config.port).toBe(8080);
    expect(config.publicUrl).toBe('http://localhost:8080');
    expect(config.registration.mode).toBe('open');
    expect(config.jwt.algorithm).toBe('EdDSA');
    expect(config.jwt.accessTokenTtl).toBe(900);
    expect(config.databaseUrl).toMatch(/^sqlite:.*rampart\.db$/);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.jwt)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow();
  });

  it('layers defaults < config file < environment', () => {
    const cwd = dir({
      'rampart.config.yaml': 'port: 9000\nhost: 0.0.0.0\njwt:\n  accessTokenTtl: 600\n',
    });
    const verdict = checkConfig({ env: { RAMPART_PORT: '9100' }, cwd });
    expect(verdict.ok).toBe(true);
    expect(verdict.config?.port).toBe(9100);
    expect(verdict.config?.host).toBe('0.0.0.0');
    expect(verdict.config?.jwt.accessTokenTtl).toBe(600);
    expect(verdict.sources.get('port')).toBe('RAMPART_PORT');
    expect(verdict.sources.get('host')).toContain('rampart.config.yaml');
  });

  it('reads a JSON file named with --config', () => {
    const cwd = dir({ 'custom.json': JSON.stringify({ log: { level: 'debug' } }) });
    expect(loadConfig({ env: {}, cwd, configPath: 'custom.json' }).config.log.level).toBe('debug');
  });

  it('coerces environment strings by the schema type', () => {
    const { config } = loadConfig({
      env: {
        RAMPART_CORS_ORIGINS: 'https://a.example.com, https://b.example.com',
        RAMPART_ALLOW_SQLITE_IN_PRODUCTION: 'yes',
        RAMPART_PASSWORD_ARGON2_MEMORY_COST: '65536',
      },
      cwd: dir(),
    });
    expect(config.cors.origins).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(config.allowSqliteInProduction).toBe(true);
    expect(config.password.argon2.memoryCost).toBe(65536);
  });

  it('derives an environment variable for every setting', () => {
    const names = configKeys.map((k) => k.env);
    for (const required of [
      'RAMPART_ENV',
      'RAMPART_HOST',
      'RAMPART_PORT',
      'RAMPART_PUBLIC_URL',
      'RAMPART_DATA_DIR',
      'RAMPART_DATABASE_URL',
      'RAMPART_REDIS_URL',
      'RAMPART_MASTER_KEY',
      'RAMPART_CORS_ORIGINS',
      'RAMPART_LOG_LEVEL',
    ]) {
      expect(names).toContain(required);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('warns about an unknown RAMPART_ variable instead of ignoring it silently', () => {
    const verdict = checkConfig({
      env: { RAMPART_PROT: '1', RAMPART_TEST_DATABASE_URL: 'x' },
      cwd: dir(),
    });
    expect(verdict.ok).toBe(true);
    expect(verdict.warnings.some((w) => w.includes('RAMPART_PROT'))).toBe(true);
    expect(verdict.warnings.some((w) => w.includes('RAMPART_TEST_DATABASE_URL'))).toBe(false);
  });

  it('lists every problem with its key and source', () => {
    const cwd = dir({
      'rampart.config.json': JSON.stringify({
        port: 'eighty',
        jwt: { algorithm: 'none' },
        surprise: true,
      }),
    });
    const verdict = checkConfig({
      env: { RAMPART_LOG_LEVEL: 'loud', RAMPART_HTTP_BODY_LIMIT: 'big' },
      cwd,
    });
    expect(verdict.ok).toBe(false);
    const byKey = new Map(verdict.problems.map((p) => [p.key, p]));
    expect([...byKey.keys()].sort()).toEqual([
      'http.bodyLimit',
      'jwt.algorithm',
      'log.level',
      'port',
      'surprise',
    ]);
    expect(byKey.get('log.level')?.source).toBe('RAMPART_LOG_LEVEL');
    expect(byKey.get('jwt.algorithm')?.message).toContain('EdDSA');
    expect(byKey.get('surprise')?.message).toContain('not a known setting');
    expect(() => loadConfig({ env: {}, cwd })).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });

  it('refuses an unparseable config file and a missing --config file', () => {
    expect(
      checkConfig({ env: {}, cwd: dir({ 'rampart.config.json': '{ nope' }) }).problems[0]?.message,
    ).toContain('cannot be parsed');
    expect(
      checkConfig({ env: {}, cwd: dir(), configPath: 'missing.yaml' }).problems[0]?.message,
    ).toContain('does not exist');
  });

  it('refuses __proto__ keys in a config file', () => {
    const verdict = checkConfig({
      env: {},
      cwd: dir({ 'rampart.config.json': '{"__proto__": {"polluted": true}}' }),
    });
    expect(verdict.ok).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts a complete production configuration', () => {
    const verdict = checkConfig({ env: production, cwd: dir() });
    expect(verdict.problems).toEqual([]);
    expect(verdict.config?.registration.mode).toBe('closed');
  });

  it.each([
    ['a missing master key', { RAMPART_MASTER_KEY: undefined }, 'masterKey'],
    ['a short master key', { RAMPART_MASTER_KEY: 'c2hvcnQ=' }, 'masterKey'],
    ['a non-random master key', { RAMPART_MASTER_KEY: 'a'.repeat(64) }, 'masterKey'],
    ['an http public URL', { RAMPART_PUBLIC_URL: 'http://auth.example.com' }, 'publicUrl'],
    ['no public URL', { RAMPART_PUBLIC_URL: undefined }, 'publicUrl'],
    ['a wildcard CORS origin', { RAMPART_CORS_ORIGINS: '*' }, 'cors.origins'],
    ['SQLite without the opt-in', { RAMPART_DATABASE_URL: undefined }, 'databaseUrl'],
  ])('production refuses %s', (_name, change, key) => {
    const env: Record<string, string | undefined> = { ...production, ...change };
    const verdict = checkConfig({ env, cwd: dir() });
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.map((p) => p.key)).toContain(key);
  });

  it('production refuses a wildcard CORS origin even without credentials', () => {
    const env = {
      ...production,
      RAMPART_CORS_ORIGINS: '*',
      RAMPART_CORS_ALLOW_CREDENTIALS: 'false',
    };
    const verdict = checkConfig({ env, cwd: dir() });
    expect(verdict.problems.map((p) => [p.key, p.message])).toEqual([
      ['cors.origins', 'a wildcard origin is not allowed in production'],
    ]);
  });

  it('production refuses a plain-http CORS origin, which development accepts', () => {
    const origins = { RAMPART_CORS_ORIGINS: 'https://app.example.com,http://app.example.com' };
    const verdict = checkConfig({ env: { ...production, ...origins }, cwd: dir() });
    expect(verdict.problems.map((p) => [p.key, p.message])).toEqual([
      ['cors.origins', '"http://app.example.com" is not https'],
    ]);
    expect(checkConfig({ env: origins, cwd: dir() }).problems).toEqual([]);
  });

  it('production refuses a public URL left to its default, naming it as not set', () => {
    const verdict = checkConfig({
      env: { ...production, RAMPART_PUBLIC_URL: undefined },
      cwd: dir(),
    });
    expect(verdict.problems.filter((p) => p.key === 'publicUrl')).toEqual([
      {
        key: 'publicUrl',
        source: 'not set',
        message: 'must be set in production (the https URL clients use)',
      },
    ]);
  });

  it('production accepts SQLite with the explicit opt-in', () => {
    const env = {
      ...production,
      RAMPART_DATABASE_URL: undefined,
      RAMPART_ALLOW_SQLITE_IN_PRODUCTION: 'true',
    };
    expect(checkConfig({ env, cwd: dir() }).ok).toBe(true);
  });

  it('never allows the null origin, nor a wildcard with credentials, in any environment', () => {
    expect(checkConfig({ env: { RAMPART_CORS_ORIGINS: 'null' }, cwd: dir() }).ok).toBe(false);
    expect(checkConfig({ env: { RAMPART_CORS_ORIGINS: '*' }, cwd: dir() }).ok).toBe(false);
    expect(
      checkConfig({
        env: { RAMPART_CORS_ORIGINS: '*', RAMPART_CORS_ALLOW_CREDENTIALS: 'false' },
        cwd: dir(),
      }).ok,
    ).toBe(true);
    expect(
      checkConfig({ env: { RAMPART_CORS_ORIGINS: 'https://a.example.com/path' }, cwd: dir() }).ok,
    ).toBe(false);
  });

  it('requires the master key in staging too', () => {
    expect(
      checkConfig({ env: { RAMPART_ENV: 'staging' }, cwd: dir() }).problems.map((p) => p.key),
    ).toContain('masterKey');
  });

  it('refuses argon2 parameters below the OWASP minimum', () => {
    const verdict = checkConfig({
      env: { RAMPART_PASSWORD_ARGON2_MEMORY_COST: '4096' },
      cwd: dir(),
    });
    expect(verdict.problems.map((p) => p.key)).toEqual(['password.argon2.memoryCost']);
  });
});
