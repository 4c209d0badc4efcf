import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblems } from './config-problem.js';
import { maxConfigFileBytes } from './file-source.js';
import { checkConfig } from './load-config.js';

/**
 * A configuration written to slip past the check at boot: more unknown keys than the
 * validator reports in one pass (they were accepted), a file nested deep enough to
 * overflow the stack, an alias bomb, a file too large to read, YAML values JSON cannot
 * hold, a JSON key given twice (the first value was dropped without a word), numbers in
 * hexadecimal, an in-memory database disguised as `sqlite:`, a path where a host goes.
 * Each is refused with the key and the source named, never accepted nor thrown.
 */

function dir(files: Record<string, string> = {}): string {
  const d = mkdtempSync(join(tmpdir(), 'rampart-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

const check = (file: string, text: string) =>
  checkConfig({ env: {}, cwd: dir({ [file]: text }), configPath: file });

describe('configuration loading under hostile input', () => {
  it('names every unknown key, however many: past eight, they were accepted as valid', () => {
    const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, i]));
    const verdict = check('c.json', JSON.stringify({ ...many, jwt: many }));
    expect(verdict.ok).toBe(false);
    expect(verdict.problems).toHaveLength(24);
    expect(verdict.problems.every((p) => p.message === 'is not a known setting')).toBe(true);
    expect(verdict.problems.map((p) => p.key)).toContain('jwt.k11');
  });

  it('refuses unknown keys inside a list of objects, however many', () => {
    const rule = { path: 'card', sensitivity: 'SECRET', handling: 'redact' };
    const extra = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, i]));
    const verdict = check(
      'c.json',
      JSON.stringify({ dataProtection: { classification: [{ ...rule, ...extra }] } }),
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.map((p) => p.key)).toContain('dataProtection.classification.0.k0');
  });

  it('names the file, not the default, as the source of an unknown key set to an object', () => {
    const verdict = check('c.yaml', 'bogus:\n  deeper: 1\n');
    expect(verdict.problems).toEqual([
      {
        key: 'bogus',
        source: expect.stringContaining('c.yaml'),
        message: 'is not a known setting',
      },
    ]);
  });

  it('refuses a file nested deeper than 32 levels instead of overflowing the stack', () => {
    const json = check('c.json', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`);
    expect(json.problems[0]?.message).toBe('is nested more than 32 levels deep');
    const yaml = check('c.yaml', `${'['.repeat(20_000)}${']'.repeat(20_000)}`);
    expect(yaml.problems[0]?.message).toBe('cannot be parsed: it is nested too deeply');
  });

  it('refuses a YAML alias bomb before expanding it', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [i, name] of [...'bcdefghij'].entries())
      lines.push(`${name}: &${name} [${Array(9).fill(`*${'abcdefghij'[i]}`).join(', ')}]`);
    const verdict = check('c.yaml', lines.join('\n'));
    expect(verdict.ok).toBe(false);
    expect(verdict.problems[0]?.message).toMatch(/^cannot be parsed: .*alias/i);
  });

  it('refuses a file larger than 1 MiB', () => {
    const verdict = check('c.json', `{"a":"${'x'.repeat(maxConfigFileBytes)}"}`);
    expect(verdict.problems).toEqual([
      { key: '(file)', source: expect.any(String), message: 'is larger than 1 MiB' },
    ]);
  });

  it('refuses a key given twice in JSON, as YAML does, instead of keeping the last', () => {
    expect(check('c.json', '{"port": 1, "port": 2}').problems[0]?.message).toMatch(
      /^cannot be parsed: Map keys must be unique/,
    );
  });

  it('refuses YAML values JSON cannot hold and unknown tags, naming the key', () => {
    for (const tag of ['!!binary aGVsbG8=', '!!set {a}', '!!timestamp 2020-01-01'])
      expect(check('c.yaml', `port: ${tag}\n`).problems[0]).toMatchObject({
        key: 'port',
        source: expect.stringContaining('c.yaml'),
        message: expect.stringContaining('is not plain data'),
      });
    expect(check('c.yaml', 'port: !shell 8080\n').problems[0]?.message).toMatch(
      /^cannot be parsed: Unresolved tag: !shell/,
    );
  });

  it('refuses a directory and an empty path given as the config file', () => {
    expect(checkConfig({ env: {}, configPath: tmpdir() }).problems[0]?.message).toBe(
      'is not a file (a directory?)',
    );
    expect(checkConfig({ env: {}, cwd: dir(), configPath: '' }).problems[0]?.message).toBe(
      'the config file path is empty',
    );
    // As shells write an unset variable.
    expect(checkConfig({ env: { RAMPART_CONFIG: '' }, cwd: dir() }).ok).toBe(true);
  });

  it('reads numbers in the environment as decimal only', () => {
    for (const value of ['0x50', '0b1', '0o7', 'Infinity', '1e999', '-1e999', '1_000'])
      expect(checkConfig({ env: { RAMPART_PORT: value }, cwd: dir() }).problems).toEqual([
        { key: 'port', source: 'RAMPART_PORT', message: `must be a number, got "${value}"` },
      ]);
    expect(checkConfig({ env: { RAMPART_PORT: ' 8081 ' }, cwd: dir() }).config?.port).toBe(8081);
  });

  // A typo in a switch must not quietly read as false: RAMPART_RESPONSES_DRY_RUN=ture
  // would turn automated bans on.
  it('refuses a boolean in the environment that is neither true nor false', () => {
    for (const value of ['ture', 'maybe', '', '2', 'enabled'])
      expect(
        checkConfig({ env: { RAMPART_CORS_ALLOW_CREDENTIALS: value }, cwd: dir() }).problems,
      ).toEqual([
        {
          key: 'cors.allowCredentials',
          source: 'RAMPART_CORS_ALLOW_CREDENTIALS',
          message: `must be true or false, got "${value}"`,
        },
      ]);
    for (const [value, expected] of [
      [' TRUE ', true],
      ['yes', true],
      ['on', true],
      ['1', true],
      ['False', false],
      ['no', false],
      ['off', false],
      ['0', false],
    ] as const)
      expect(
        checkConfig({ env: { RAMPART_CORS_ALLOW_CREDENTIALS: value }, cwd: dir() }).config?.cors
          .allowCredentials,
      ).toBe(expected);
  });

  // Caught by the check, not by the proxy matcher or the IP rules once the database is
  // migrated; and a proxy list trusting everyone lets each client pick its own address.
  it('refuses network entries that are not addresses or CIDRs, and a catch-all proxy in production', () => {
    for (const key of ['TRUSTED_PROXIES', 'ALLOW', 'DENY']) {
      const verdict = checkConfig({
        env: { [`RAMPART_NETWORK_${key}`]: '10.0.0.1,proxy.internal' },
        cwd: dir(),
      });
      expect(verdict.problems.map((p) => p.message)).toEqual([
        '"proxy.internal" is not an address or CIDR',
      ]);
    }
    const production = {
      RAMPART_ENV: 'production',
      RAMPART_MASTER_KEY: Buffer.from(Array.from({ length: 32 }, (_, i) => i * 37 + 11)).toString(
        'base64',
      ),
      RAMPART_PUBLIC_URL: 'https://auth.example.com',
      RAMPART_DATABASE_URL: 'postgres://rampart@db/rampart',
      RAMPART_METRICS_TOKEN: 'metrics-scrape-token-0123456789',
    };
    for (const everyone of ['0.0.0.0/0', '::/0']) {
      const env = { ...production, RAMPART_NETWORK_TRUSTED_PROXIES: `10.0.0.1,${everyone}` };
      expect(checkConfig({ env, cwd: dir() }).problems).toEqual([
        {
          key: 'network.trustedProxies',
          source: 'RAMPART_NETWORK_TRUSTED_PROXIES',
          message: `"${everyone}" trusts every address as a proxy: list the proxies in production`,
        },
      ]);
    }
    const listed = { ...production, RAMPART_NETWORK_TRUSTED_PROXIES: '10.0.0.1,10.1.0.0/16,::1' };
    expect(checkConfig({ env: listed, cwd: dir() }).problems).toEqual([]);
  });

  it('quotes a long wrong value shortened, not whole', () => {
    const [problem] = checkConfig({ env: { RAMPART_PORT: 'x'.repeat(5000) }, cwd: dir() }).problems;
    expect(problem?.message).toBe(`must be a number, got "${'x'.repeat(120)}…" (5,000 characters)`);
  });

  it('refuses sqlite: with no path in production: it is an in-memory database', () => {
    const verdict = checkConfig({
      env: {
        RAMPART_ENV: 'production',
        RAMPART_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
        RAMPART_PUBLIC_URL: 'https://auth.example.com',
        RAMPART_METRICS_TOKEN: 'metrics-scrape-token-0123456789',
        RAMPART_ALLOW_SQLITE_IN_PRODUCTION: 'true',
        RAMPART_DATABASE_URL: 'sqlite:',
      },
      cwd: dir(),
    });
    expect(verdict.problems.map((p) => [p.key, p.message])).toContainEqual([
      'databaseUrl',
      'an in-memory database loses every account on restart',
    ]);
  });

  it('refuses a database URL that only starts like PostgreSQL', () => {
    const verdict = checkConfig({ env: { RAMPART_DATABASE_URL: 'postgres:db' }, cwd: dir() });
    expect(verdict.problems.map((p) => p.key)).toEqual(['databaseUrl']);
  });

  it('refuses a host that is a path, a URL or an injection, and accepts names and addresses', () => {
    for (const host of ['../../etc/passwd', 'http://x', "' OR 1=1--", 'a b', 'a'.repeat(300)])
      expect(checkConfig({ env: { RAMPART_HOST: host }, cwd: dir() }).problems[0]).toMatchObject({
        key: 'host',
        source: 'RAMPART_HOST',
        message: expect.stringContaining('is not a host name or an IP address'),
      });
    for (const host of ['127.0.0.1', '0.0.0.0', '::', '::1', 'fe80::1%eth0', 'api.example.com'])
      expect(checkConfig({ env: { RAMPART_HOST: host }, cwd: dir() }).ok).toBe(true);
  });

  it('escapes terminal control and bidi characters of keys, values and paths in its message', () => {
    // A hostile file or variable must not rewrite the terminal of whoever reads the error.
    const cwd = dir({
      '\u001b[2J.json': JSON.stringify({ '\u001b]0;owned\u0007': 1, host: '\u009b31m' }),
    });
    const verdict = checkConfig({
      env: { RAMPART_PORT: 'x\u202e\nrampart: all good' },
      cwd,
      configPath: '\u001b[2J.json',
    });
    const text = formatProblems(verdict.problems);
    const unsafe = [...text].filter((c) => {
      const n = c.codePointAt(0) ?? 0;
      return (
        (n < 0x20 && c !== '\n') ||
        (n >= 0x7f && n <= 0x9f) ||
        (n >= 0x202a && n <= 0x202e) ||
        (n >= 0x2066 && n <= 0x2069)
      );
    });
    expect(unsafe).toEqual([]);
    expect(text).toContain('  - \\u001b]0;owned\\u0007 (');
    expect(text).toContain('\\u001b[2J.json): is not a known setting');
    expect(text).toContain('"\\u009b31m" is not a host name');
    // One problem, one line: a line break in a value cannot fake another message.
    expect(text).toContain('got "x\\u202e\\u000arampart: all good"');
    expect(text.split('\n')).toHaveLength(verdict.problems.length);
    expect(verdict.problems.length).toBe(3);
  });

  it('lists the first fifty problems and counts the rest', () => {
    const problems = Array.from({ length: 120 }, (_, i) => ({
      key: `k${i}`,
      source: 'x',
      message: 'is not a known setting',
    }));
    const text = formatProblems(problems);
    expect(text.split('\n')).toHaveLength(51);
    expect(text).toContain('  … and 70 more');
  });
});
