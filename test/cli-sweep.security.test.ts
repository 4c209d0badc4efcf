import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/main.js';
import { secretSamples } from './support/secret-samples.js';
import { spawnNode } from './support/spawn.js';

/**
 * Every command of the rampart CLI, run as a real process with hostile input: unknown
 * options, missing and extra arguments, option values of the wrong kind (words, negative,
 * huge, empty, injection strings, 5,000 characters), config files that are missing,
 * directories, malformed, alias bombs, too deep, too large, mistyped or full of unknown
 * keys, RAMPART_* variables with garbage, and garbage on stdin. An operator who mistypes,
 * or an attacker who controls one of these inputs, gets a clear message naming the problem
 * and exit 2 (usage or configuration) or 1 (failure): never a hang, a stack trace, a
 * TypeError, and never a file written, whether the command refuses before it runs or fails
 * on a database or a Redis that does not answer.
 */

const bin = fileURLToPath(new URL('../bin/rampart.js', import.meta.url));

interface Case {
  args: string[];
  env?: Record<string, string>;
  /** Files to create in the working directory first (a name ending in / is a folder). */
  files?: Record<string, string>;
  input?: string;
  code: 1 | 2;
  /** The message names the problem: the option, the config key or what was wrong. */
  says: string | RegExp;
  /** A value the output must not echo whole (5,000 characters or more). */
  hides?: string;
}

/** What a refusal may print at most: a message and the help, never a flood. */
const maxOutput = 4096;

/** Minimal valid arguments of every command, so each hostile input is the only fault. */
const baseArgs: Record<string, string[]> = {
  start: [],
  init: [],
  migrate: [],
  'user create': ['--email', 'a@example.com'],
  'user unlock': ['a@example.com'],
  'user reset-mfa': ['a@example.com'],
  'keys rotate': [],
  'keys rotate-data': [],
  'keys rotate-master': [],
  'keys master-status': [],
  'config check': [],
  'config show': [],
  'audit verify': [],
  scan: [],
  'scan install-hook': [],
  'response list': [],
  'response revert': ['01a2296d-aecd-7068-9343-ae8886e81f03'],
  'readonly off': [],
  'report security': ['--from', '2020-01-01'],
};
/** Commands that neither load the configuration (scan) nor read it (init writes it). */
const configFree = new Set(['init', 'scan', 'scan install-hook']);
/** Commands whose positional arguments are a list: an extra one is a path to scan. */
const variadic = new Set(['scan']);

const long = 'a'.repeat(5000);
const huge = 'a'.repeat(100_000);
/** A line `rampart scan` reports. */
const secret = secretSamples.find((s) => s.rule === 'github-token')?.positive ?? '';
const hostile = ['../../etc/passwd', "' OR 1=1--", long, ''];

function commandPaths(): { path: string[]; leaf: boolean }[] {
  const out: { path: string[]; leaf: boolean }[] = [];
  const walk = (cmd: ReturnType<typeof buildProgram>, path: string[]) => {
    for (const sub of cmd.commands) {
      const next = [...path, sub.name()];
      out.push({ path: next, leaf: sub.commands.length === 0 || next[0] === 'scan' });
      walk(sub, next);
    }
  };
  walk(buildProgram(), []);
  return out;
}

const billionLaughs = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'
    .split('')
    .map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
].join('\n');

/** Config files given with --config to `config check`, each with what the answer names. */
const configFiles: { name: string; text?: string; says: string | RegExp }[] = [
  { name: 'missing.yaml', says: 'config file does not exist' },
  { name: 'folder.yaml/', says: 'is not a file' },
  { name: 'empty.json', text: '', says: 'cannot be parsed' },
  { name: 'broken.json', text: '{"port": 80', says: 'cannot be parsed' },
  { name: 'broken.yaml', text: 'port: [80\n', says: 'cannot be parsed' },
  { name: 'bomb.yaml', text: billionLaughs, says: /cannot be parsed: .*alias/i },
  { name: 'array.json', text: '[1, 2]', says: 'must contain an object at the top level' },
  { name: 'scalar.yaml', text: 'just words', says: 'must contain an object at the top level' },
  {
    name: 'types.json',
    text: JSON.stringify({ port: 'abc', jwt: 5, env: ['production'] }),
    says: /port .*must be integer[\s\S]*jwt .*must be object/,
  },
  // More unknown keys than TypeBox reports in one pass: every one is named all the same.
  {
    name: 'unknown.json',
    text: JSON.stringify(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, i]))),
    says: /\(12 problems\)[\s\S]*k11 \(.*unknown\.json\): is not a known setting/,
  },
  {
    name: 'nested-unknown.yaml',
    text: 'jwt:\n  accessTokenTtl: 60\n  bogus:\n    deeper: 1\n',
    says: /jwt\.bogus \(.*nested-unknown\.yaml\): is not a known setting/,
  },
  {
    name: 'deep.json',
    text: `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
    says: 'nested more than 32 levels deep',
  },
  { name: 'deep.yaml', text: `${'['.repeat(20000)}${']'.repeat(20000)}`, says: 'nested' },
  {
    name: 'large.json',
    text: JSON.stringify({ cors: { origins: Array(200_000).fill('https://a.example.com') } }),
    says: 'is larger than 1 MiB',
  },
  { name: 'proto.json', text: '{"__proto__": {"admin": true}}', says: 'is a forbidden key' },
  { name: 'duplicate.json', text: '{"port": 1, "port": 2}', says: 'Map keys must be unique' },
  {
    name: 'binary.yaml',
    text: 'port: !!binary aGVsbG8=\n',
    says: /port \(.*\): is not plain data/,
  },
  { name: 'tag.yaml', text: 'port: !shell 8080\n', says: 'Unresolved tag: !shell' },
];

/** RAMPART_* variables `start` must refuse at once, instead of starting. */
const badEnvironments: { env: Record<string, string>; says: string | RegExp }[] = [
  { env: { RAMPART_PORT: 'abc' }, says: 'port (RAMPART_PORT): must be a number, got "abc"' },
  { env: { RAMPART_PORT: '99999' }, says: 'port (RAMPART_PORT): must be <= 65535' },
  { env: { RAMPART_PORT: '-1' }, says: 'port (RAMPART_PORT): must be >= 0' },
  { env: { RAMPART_PORT: '0x50' }, says: 'port (RAMPART_PORT): must be a number' },
  { env: { RAMPART_PORT: '' }, says: 'port (RAMPART_PORT): must be a number' },
  {
    env: { RAMPART_DATABASE_URL: 'mysql://root@db/x' },
    says: 'databaseUrl (RAMPART_DATABASE_URL)',
  },
  { env: { RAMPART_DATABASE_URL: 'postgres:db' }, says: 'databaseUrl (RAMPART_DATABASE_URL)' },
  { env: { RAMPART_MASTER_KEY: 'short' }, says: 'masterKey (RAMPART_MASTER_KEY): is too short' },
  {
    env: { RAMPART_MASTER_KEY: "' OR 1=1--" },
    says: 'masterKey (RAMPART_MASTER_KEY): must be base64',
  },
  { env: { RAMPART_ENV: 'prod' }, says: 'env (RAMPART_ENV): must be one of' },
  { env: { RAMPART_HOST: '../../etc/passwd' }, says: 'host (RAMPART_HOST): "../../etc/passwd"' },
  { env: { RAMPART_LOG_LEVEL: long }, says: 'log.level (RAMPART_LOG_LEVEL): must be one of' },
  { env: { RAMPART_CORS_ORIGINS: "' OR 1=1--" }, says: 'cors.origins (RAMPART_CORS_ORIGINS)' },
  {
    env: {
      RAMPART_ENV: 'production',
      RAMPART_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      RAMPART_PUBLIC_URL: 'https://auth.example.com',
      RAMPART_METRICS_TOKEN: 'metrics-scrape-token-0123456789',
      RAMPART_ALLOW_SQLITE_IN_PRODUCTION: 'true',
      RAMPART_DATABASE_URL: 'sqlite:',
    },
    says: 'databaseUrl (RAMPART_DATABASE_URL): an in-memory database loses every account',
  },
];

function cases(): Case[] {
  const paths = commandPaths();
  const leaves = paths.filter((p) => p.leaf).map((p) => p.path.join(' '));
  const out: Case[] = [];

  out.push({ args: ['--no-such-option'], code: 2, says: "unknown option '--no-such-option'" });
  out.push({ args: ['no-such-command'], code: 2, says: "unknown command 'no-such-command'" });
  for (const { path, leaf } of paths) {
    const name = path.join(' ');
    const base = baseArgs[name] ?? [];
    out.push({
      args: [...path, ...base, '--no-such-option'],
      code: 2,
      says: "unknown option '--no-such-option'",
    });
    if (!leaf) {
      // A group without its subcommand is a usage error, with the help on stderr.
      out.push({ args: path, code: 2, says: `Usage: rampart ${name}` });
      continue;
    }
    out.push(
      variadic.has(name)
        ? { args: [...path, ...base, 'no/such/path'], code: 2, says: 'no such file or folder' }
        : {
            args: [...path, ...base, 'extra', "' OR 1=1--"],
            code: 2,
            says: `too many arguments for '${path.at(-1)}'`,
          },
    );
    if (configFree.has(name)) continue;
    // Every command that reads the configuration refuses a broken one before doing anything.
    out.push({
      args: ['--config', 'broken.yaml', ...path, ...base],
      files: { 'broken.yaml': 'port: [\n' },
      code: 2,
      says: /\(file\) \(.*broken\.yaml\): cannot be parsed/,
    });
    out.push({
      args: [...path, ...base],
      env: { RAMPART_PORT: long },
      code: 2,
      says: 'port (RAMPART_PORT): must be a number',
    });
  }

  // Missing required arguments and option values.
  for (const [args, says] of [
    [['user', 'create'], "required option '--email <email>' not specified"],
    [['user', 'unlock'], "missing required argument 'email'"],
    [['user', 'reset-mfa'], "missing required argument 'email'"],
    [['response', 'revert'], "missing required argument 'id'"],
    [['report', 'security'], "required option '--from <time>' not specified"],
    [
      ['report', 'security', '--from', '2020-01-01', '--to'],
      "option '--to <time>' argument missing",
    ],
    [['config', 'check', '--config'], "option '-c, --config <path>' argument missing"],
  ] as const)
    out.push({ args: [...args], code: 2, says });

  // Numbers: words, negative, fractions, huge, empty, trailing garbage.
  const numeric: [string[], string][] = [
    [['keys', 'rotate-data'], '--batch-size'],
    [['keys', 'rotate-master'], '--batch-size'],
    [['response', 'list'], '--limit'],
    [['scan'], '--jobs'],
    [['scan'], '--max-file-size'],
  ];
  for (const [path, flag] of numeric)
    for (const value of ['abc', '-1', '1.5', '99999999999999999999', '', '10abc'])
      out.push({ args: [...path, flag, value], code: 2, says: flag });

  // Strings that must be one thing and are another.
  for (const value of hostile) {
    out.push({ args: ['report', 'security', '--from', value], code: 2, says: '--from' });
    out.push({ args: ['response', 'list', '--status', value], code: 2, says: '--status' });
    out.push({ args: ['scan', '--format', value], code: 2, says: 'unknown format' });
    for (const path of [
      ['user', 'unlock', 'a@example.com'],
      ['response', 'revert', 'some-id'],
      ['readonly', 'off'],
    ])
      out.push({ args: [...path, '--url', value], code: 2, says: "option '--url <url>'" });
    out.push({
      args: ['audit', 'verify', '--public-key', value],
      code: 2,
      says: "option '--public-key <key...>'",
    });
    out.push({
      args: ['scan', '--verify', '--server', value, '--token', 't'],
      code: 2,
      says: "option '--server <url>'",
    });
    out.push({ args: ['user', 'create', '--email', value], code: 2, says: '--email' });
    // Refused before the database is opened (nothing written), not looked up and reported
    // as "no account has the email …" with exit 1 and the value echoed whole.
    for (const command of ['unlock', 'reset-mfa'])
      out.push({
        args: ['user', command, value],
        code: 2,
        says: '<email> must be an email address',
        hides: long,
      });
    out.push({ args: ['init', '--env', value], code: 2, says: "option '--env <env>'" });
    out.push({
      args: ['user', 'create', '--email', 'a@example.com', '--role', value],
      code: 2,
      says: '--role',
    });
  }
  out.push({
    args: ['user', 'create', ...baseArgs['user create']!, '--name', long],
    code: 2,
    says: '--name',
  });
  out.push({ args: ['init', '--public-url', "' OR 1=1--"], code: 2, says: 'publicUrl' });
  out.push({ args: ['init', '--public-url', long], code: 2, says: 'publicUrl' });

  // A huge value (100,000 characters, near the 128 KiB Linux allows one argument or
  // variable): the message names the problem and shows the value's start and length, in
  // Commander's errors, ours, Node's (a path) and the configuration's alike.
  const count = '\\(100,0\\d\\d characters\\)';
  for (const [args, env, says] of [
    [[`--${huge}`], {}, `unknown option '--a+…' ${count}`],
    [[huge], {}, `unknown command 'a+…' ${count}`],
    [
      ['user', 'unlock', 'a@example.com', '--url', huge],
      {},
      `'--url <url>' argument 'a+…' ${count} is invalid`,
    ],
    [
      ['keys', 'rotate-data', `--batch-size=${huge}`],
      {},
      `'--batch-size <n>' argument 'a+…' ${count}`,
    ],
    [
      ['report', 'security', '--from', huge],
      {},
      `--from: not a date or ISO 8601 time: "a+…" ${count}`,
    ],
    [['audit', 'verify', '--file', huge], {}, `--file "a+…" ${count}: cannot be read`],
    [['scan', '-f', huge], {}, `unknown format "a+…" ${count}`],
    [['--config', huge, 'config', 'check'], {}, `/a+… ${count}\\): config file does not exist`],
    [
      ['start'],
      { RAMPART_HOST: huge },
      `host \\(RAMPART_HOST\\): "a+…" ${count} is not a host name`,
    ],
    [
      ['start'],
      { RAMPART_PORT: huge },
      `port \\(RAMPART_PORT\\): must be a number, got "a+…" ${count}`,
    ],
  ] as const)
    out.push({
      args: [...args],
      ...(Object.keys(env).length > 0 ? { env } : {}),
      code: 2,
      says: new RegExp(says),
      hides: huge,
    });
  out.push({
    args: ['scan', '--baseline', huge],
    code: 2,
    says: new RegExp(`baseline "/.*/a+…" ${count} cannot be read \\(ENAMETOOLONG\\)`),
    hides: huge,
  });
  out.push({
    args: [
      'init',
      '--env',
      'production',
      '--public-url',
      'https://a.example.com',
      '--database-url',
      '../../etc/passwd',
    ],
    code: 2,
    says: 'databaseUrl',
  });
  out.push({
    args: ['init', '--env', 'staging', '--redis-url', '../../etc/passwd'],
    code: 2,
    says: 'redisUrl',
  });
  out.push({ args: ['init', '--env', 'staging', '--secrets', ''], code: 2, says: '--secrets' });
  out.push({ args: ['--config', '', 'init'], code: 2, says: '--config' });
  out.push({
    args: ['--config', '', 'config', 'check'],
    code: 2,
    says: 'the config file path is empty',
  });
  out.push({
    args: ['audit', 'verify', '--file', 'no-such.jsonl'],
    code: 2,
    says: '--file "no-such.jsonl"',
  });
  out.push({
    args: ['audit', 'verify', '--file', 'folder/'],
    files: { 'folder/': '' },
    code: 2,
    says: '--file "folder/"',
  });
  out.push({
    args: ['scan', '--baseline', 'folder/', '--update-baseline', 'empty.txt'],
    files: { 'folder/': '', 'empty.txt': '' },
    code: 2,
    says: '--baseline "folder/": is not a file',
  });
  out.push({
    args: ['scan', '--output', 'no/such/dir/report.txt', 'empty.txt'],
    files: { 'empty.txt': '' },
    code: 2,
    says: '--output',
  });

  for (const file of configFiles) {
    out.push({
      args: ['--config', file.name, 'config', 'check'],
      files:
        file.text === undefined && !file.name.endsWith('/') ? {} : { [file.name]: file.text ?? '' },
      code: 2,
      says: file.says,
    });
  }
  // `start` refuses the worst of them as quickly as `config check` does.
  for (const file of configFiles.filter((f) => /bomb|deep\.json|unknown\.json|large/.test(f.name)))
    out.push({
      args: ['--config', file.name, 'start'],
      files: { [file.name]: file.text ?? '' },
      code: 2,
      says: file.says,
    });
  for (const { env, says } of badEnvironments) out.push({ args: ['start'], env, code: 2, says });

  // Control characters and bidi overrides in what a message quotes (an argument, a path,
  // a config key or value, a variable, a file name) are printed escaped, on stderr and
  // stdout alike: runCase refuses any raw one in the output.
  for (const [c, escaped] of [
    ['\u001b]0;owned\u0007\u001b[2J', '\\u001b]0;owned\\u0007\\u001b[2J'],
    ['\u009b31m\u202eevil\u2066', '\\u009b31m\\u202eevil\\u2066'],
    ['\r\u0008\u007f', '\\u000d\\u0008\\u007f'],
  ] as const) {
    out.push({ args: [`no-such-${c}`], code: 2, says: `unknown command 'no-such-${escaped}'` });
    out.push({ args: ['user', 'unlock', `a${c}@example.com`], code: 2, says: '<email>' });
    out.push({ args: ['audit', 'verify', '--file', c], code: 2, says: `--file "${escaped}":` });
    out.push({ args: ['--config', `${c}.yaml`, 'config', 'check'], code: 2, says: escaped });
    out.push({
      args: ['config', 'check'],
      files: { 'rampart.config.json': JSON.stringify({ [c]: 1 }) },
      code: 2,
      says: `  - ${escaped} (`,
    });
    out.push({
      args: ['start'],
      env: { RAMPART_HOST: c },
      code: 2,
      says: `host (RAMPART_HOST): "${escaped}"`,
    });
    out.push({
      args: ['report', 'security', '--from', c],
      code: 2,
      says: `--from: not a date or ISO 8601 time: "${escaped}"`,
    });
    // A file name in the report on stdout.
    out.push({
      args: ['scan'],
      files: { [`${c}.js`]: `${secret}\n` },
      code: 1,
      says: `${escaped}.js:1:`,
    });
  }

  // A database or a Redis that does not answer is a failure (1), not a usage error, and
  // the message names the setting.
  out.push({
    args: ['migrate'],
    env: { RAMPART_DATABASE_URL: 'postgres://nobody:hunter2hunter2@127.0.0.1:1/rampart' },
    code: 1,
    says: /cannot reach the database postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/rampart \(databaseUrl\): .*ECONNREFUSED/,
  });
  out.push({
    args: ['migrate'],
    env: { RAMPART_DATABASE_URL: 'sqlite:folder' },
    files: { 'folder/': '' },
    code: 1,
    says: 'cannot reach the database sqlite:folder (databaseUrl)',
  });
  // Both are reached before the data directory, the development master key or a SQLite
  // file is created (test/cli-failed-start.test.ts looks inside the data directory).
  for (const args of [['start'], ['user', 'create', ...baseArgs['user create']!]]) {
    out.push({
      args,
      env: { RAMPART_REDIS_URL: 'redis://127.0.0.1:1', RAMPART_PORT: '0' },
      input: 'correct horse battery staple 42',
      code: 1,
      says: 'cannot connect to Redis (redisUrl)',
    });
    out.push({
      args,
      env: { RAMPART_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/rampart', RAMPART_PORT: '0' },
      input: 'correct horse battery staple 42',
      code: 1,
      says: 'cannot reach the database postgres://nobody@127.0.0.1:1/rampart (databaseUrl)',
    });
  }

  // A data directory Node's own recursive mkdir would retry forever (it hung).
  if (existsSync('/proc/self'))
    for (const args of [['start'], ['migrate']])
      out.push({
        args,
        env: { RAMPART_DATA_DIR: '/proc/rampart-sweep', RAMPART_PORT: '0' },
        code: 1,
        says: /(dataDir |cannot reach the database sqlite:)\/proc\/rampart-sweep/,
      });

  // Passwords on stdin: empty, binary garbage, huge, common.
  for (const [input, says] of [
    ['', 'password_too_short'],
    ['password1234', 'password_common'],
    [
      String.fromCharCode(...Array.from({ length: 4096 }, (_, i) => (i * 7919) % 255 || 1)),
      'password_too_long',
    ],
    ['x'.repeat(5_000_000), 'password_too_long'],
  ] as const)
    out.push({
      args: ['user', 'create', ...baseArgs['user create']!, '--password-stdin'],
      input,
      code: 2,
      says,
      // The policy runs before the database is opened or a master key generated.
    });

  const missing = leaves.filter((name) => !(name in baseArgs));
  if (missing.length > 0)
    throw new Error(`add the new commands to baseArgs: ${missing.join(', ')}`);
  return out;
}

const crashText = [
  /^\s+at /m, // a stack frame
  /node:internal/,
  /\b(TypeError|ReferenceError|RangeError|SyntaxError)\b/,
  /Cannot read propert/,
  /Maximum call stack/,
  /Unhandled|unhandled rejection/i,
  /\(node:\d+\)/, // a process warning printed by Node
];

async function runCase(c: Case): Promise<string[]> {
  const cwd = mkdtempSync(join(tmpdir(), 'rampart-sweep-'));
  for (const [name, text] of Object.entries(c.files ?? {})) {
    if (name.endsWith('/')) mkdirSync(join(cwd, name));
    else writeFileSync(join(cwd, name), text);
  }
  const before = readdirSync(cwd).sort();
  const started = Date.now();
  const child = spawnNode([bin, ...c.args], { cwd, env: c.env ?? {}, input: c.input ?? '' });
  const timer = setTimeout(() => child.child.kill('SIGKILL'), 20_000);
  const { code, signal } = await child.exit();
  clearTimeout(timer);
  const seconds = (Date.now() - started) / 1000;
  const output = child.output();
  const label = `rampart ${c.args.map((a) => (a.length > 40 ? `${a.slice(0, 20)}…(${a.length})` : JSON.stringify(a))).join(' ')}${c.env ? ` with ${Object.keys(c.env).join(', ')}` : ''}`;
  const failures: string[] = [];
  if (signal) failures.push(`${label}: did not end within 20 s`);
  else if (code !== c.code) failures.push(`${label}: exit ${code}, expected ${c.code}`);
  for (const pattern of crashText)
    if (pattern.test(output)) failures.push(`${label}: output matches ${pattern}`);
  const says = typeof c.says === 'string' ? output.includes(c.says) : c.says.test(output);
  if (!says) failures.push(`${label}: output does not say ${c.says}`);
  const raw = [...output].filter((ch) => {
    const n = ch.codePointAt(0) ?? 0;
    return (
      (n < 0x20 && ch !== '\n' && ch !== '\t') ||
      (n >= 0x7f && n <= 0x9f) ||
      (n >= 0x202a && n <= 0x202e) ||
      (n >= 0x2066 && n <= 0x2069)
    );
  });
  if (raw.length > 0)
    failures.push(`${label}: output holds control characters ${JSON.stringify(raw)}`);
  if (c.hides !== undefined && output.includes(c.hides))
    failures.push(`${label}: output echoes a value of ${c.hides.length} characters whole`);
  if (output.length > maxOutput)
    failures.push(`${label}: printed ${output.length} characters (at most ${maxOutput})`);
  const after = readdirSync(cwd).sort();
  if (after.join('/') !== before.join('/'))
    failures.push(`${label}: wrote ${after.filter((f) => !before.includes(f)).join(', ')}`);
  if (failures.length > 0)
    failures.push(`  after ${seconds.toFixed(1)} s, output:\n${output.slice(0, 1500)}`);
  return failures;
}

describe('the rampart CLI under hostile input', () => {
  it('refuses every bad argument, option, config file, variable and stdin with a clear message and exit 2 or 1, never a crash, a hang or a write', async () => {
    const queue = cases();
    expect(queue.length).toBeGreaterThan(150);
    const failures: string[] = [];
    // Four processes at a time: each is a Node start-up (~0.3 s), a few open a database.
    const worker = async () => {
      for (let c = queue.shift(); c !== undefined; c = queue.shift())
        failures.push(...(await runCase(c)));
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(failures.join('\n')).toBe('');
  }, 240_000);
});
