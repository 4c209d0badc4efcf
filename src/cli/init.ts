import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import YAML from 'yaml';
import { checkConfig, formatProblems } from '../config/index.js';
import { quoteValue } from '../shared/terminal-text.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { GlobalOptions } from './load-cli-config.js';
import { writeOut } from './terminal-output.js';

interface InitOptions {
  env: 'development' | 'staging' | 'production';
  publicUrl?: string;
  databaseUrl?: string;
  redisUrl?: string;
  smtpUrl?: string;
  mailFrom?: string;
  secrets: string;
  force?: boolean;
}

/** What `rampart init` writes: a config file of settings and an env file of secrets. */
export interface InitFiles {
  config: string;
  /** undefined in development, which generates its master key in the data directory. */
  secrets: string | undefined;
  /** The variables the secrets file sets, as `start` will see them once it is loaded. */
  env: Record<string, string>;
}

// Values a shell (`set -a; . ./rampart.env`), systemd's EnvironmentFile and
// `docker --env-file` all read the same way without quotes.
const plainValue = /^[A-Za-z0-9+/=:@._-]*$/;

function envLine(name: string, value: string): string {
  if (plainValue.test(value)) return `${name}=${value}`;
  // Single quotes: literal for a shell and for systemd; docker --env-file would keep them.
  if (/['\n\r]/.test(value))
    throw new CliError(
      `${name}: a value with a quote or a line break cannot be written`,
      ExitCode.usage,
    );
  return `${name}='${value}'`;
}

/**
 * The two files for `options`, as text. Secrets (the master key, the metrics token, and
 * the database, Redis and SMTP URLs, which usually carry passwords) go to the env file;
 * everything else to the config file.
 */
export function renderInitFiles(
  options: InitOptions,
  format: 'yaml' | 'json' = 'yaml',
  now = new Date(),
): InitFiles {
  const production = options.env === 'production';
  const deployed = options.env !== 'development';
  const settings: Record<string, unknown> = { env: options.env };
  const secrets: [string, string][] = [];
  if (options.publicUrl) settings.publicUrl = options.publicUrl;
  if (deployed) settings.host = '0.0.0.0';
  settings.port = 8080;
  if (deployed) settings.registration = { mode: 'closed' };
  if (options.smtpUrl || options.mailFrom)
    settings.mail = {
      ...(options.smtpUrl ? { transport: 'smtp' } : {}),
      ...(options.mailFrom ? { from: options.mailFrom } : {}),
    };

  if (deployed) secrets.push(['RAMPART_MASTER_KEY', randomBytes(32).toString('base64')]);
  if (production) secrets.push(['RAMPART_METRICS_TOKEN', randomBytes(24).toString('base64url')]);
  if (deployed) {
    const urls: [string, string | undefined][] = [
      ['RAMPART_DATABASE_URL', options.databaseUrl],
      ['RAMPART_REDIS_URL', options.redisUrl],
      ['RAMPART_MAIL_SMTP_URL', options.smtpUrl],
    ];
    for (const [name, value] of urls) if (value !== undefined) secrets.push([name, value]);
  } else {
    if (options.databaseUrl) settings.databaseUrl = options.databaseUrl;
    if (options.redisUrl) settings.redisUrl = options.redisUrl;
    if (options.smtpUrl) settings.mail = { ...(settings.mail as object), smtpUrl: options.smtpUrl };
  }

  const day = now.toISOString().slice(0, 10);
  const header = [
    `# Rampart configuration (${options.env}), written by \`rampart init\` on ${day}.`,
    '# Every setting and its RAMPART_* variable: docs/configuration.md. Check it with',
    '# `rampart config check` before `rampart start`.',
  ];
  if (deployed)
    header.push(
      `# Secrets are not in this file: they are in ${basename(options.secrets)} (RAMPART_* variables,`,
      '# which take precedence over this file). Keep that file in your secret store, never in',
      '# version control.',
      '# host 0.0.0.0: behind a reverse proxy, also list it in network.trustedProxies so the',
      "# client's address comes from X-Forwarded-For.",
    );
  // JSON has no comments: the same notes are printed when the files are written.
  const config =
    format === 'json'
      ? `${JSON.stringify(settings, null, 2)}\n`
      : `${header.join('\n')}\n${YAML.stringify(settings)}`;
  if (!deployed) return { config, secrets: undefined, env: {} };
  const lines = [
    `# Rampart secrets (${options.env}), written by \`rampart init\` on ${day}. Readable by`,
    '# the owner only. Load them into the environment of `rampart start`: systemd',
    '# EnvironmentFile=, docker --env-file, or `set -a; . ./rampart.env; set +a` in a shell.',
    '# Losing RAMPART_MASTER_KEY loses every secret sealed with it: keep a copy in your',
    '# secret store. Rotate it later with `rampart keys rotate-master`.',
    ...secrets.map(([name, value]) => envLine(name, value)),
  ];
  return { config, secrets: `${lines.join('\n')}\n`, env: Object.fromEntries(secrets) };
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description(
      'Write a starting configuration: a config file, and for staging or production an env file of generated secrets (mode 0600); both are checked as `start` would read them before anything is written',
    )
    .addOption(
      new Option('--env <env>', 'the environment to configure')
        .choices(['development', 'staging', 'production'])
        .default('development'),
    )
    .option('--public-url <url>', 'the https URL clients use (required in production)')
    .option(
      '--database-url <url>',
      'postgres://… (or sqlite:<path>); goes to the env file outside development',
    )
    .option('--redis-url <url>', 'redis:// or rediss:// for a cluster of nodes')
    .option(
      '--smtp-url <url>',
      'smtp:// or smtps:// to send mail (password resets, lockout notices)',
    )
    .option(
      '--mail-from <sender>',
      'sender of every message, e.g. "Rampart <security@example.com>"',
    )
    .option('--secrets <path>', 'where the env file of secrets goes', 'rampart.env')
    .option('--force', 'replace existing files')
    .addHelpText(
      'after',
      '\nThe config file is --config, or RAMPART_CONFIG, or rampart.config.yaml in the working directory.\nExample: rampart init --env production --public-url https://auth.example.com --database-url postgres://rampart:…@db/rampart',
    )
    .action((options: InitOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      if (globals.config === '') throw new CliError('--config needs a file path', ExitCode.usage);
      if (options.secrets === '') throw new CliError('--secrets needs a file path', ExitCode.usage);
      const configPath = resolve(
        globals.config ?? process.env.RAMPART_CONFIG ?? 'rampart.config.yaml',
      );
      const secretsPath = resolve(options.secrets);
      const files = renderInitFiles(options, extname(configPath) === '.json' ? 'json' : 'yaml');
      const targets = files.secrets === undefined ? [configPath] : [configPath, secretsPath];
      if (!options.force)
        for (const path of targets)
          if (existsSync(path))
            throw new CliError(
              `${quoteValue(path)} exists; nothing was written (--force replaces it)`,
              ExitCode.usage,
            );

      // Check the exact bytes as `start` will read them, from files beside their targets
      // (same directory, so the final rename is atomic), before anything is in place.
      const suffix = `.rampart-init-${randomBytes(6).toString('hex')}`;
      const scratchConfig = join(dirname(configPath), `${suffix}${extname(configPath)}`);
      const scratchSecrets = `${secretsPath}${suffix}`;
      try {
        mkdirSync(dirname(configPath), { recursive: true });
        writeFileSync(scratchConfig, files.config, { flag: 'wx', mode: 0o644 });
        const verdict = checkConfig({
          configPath: scratchConfig,
          cwd: dirname(configPath),
          env: files.env,
        });
        if (!verdict.ok) {
          const n = verdict.problems.length;
          // Named by the file they are about, not by the scratch copy.
          const problems = verdict.problems.map((p) =>
            p.source === scratchConfig ? { ...p, source: configPath } : p,
          );
          throw new CliError(
            `nothing was written: the configuration would be invalid (${n} problem${n === 1 ? '' : 's'}):\n${formatProblems(problems)}`,
            ExitCode.usage,
          );
        }
        if (files.secrets !== undefined) {
          mkdirSync(dirname(secretsPath), { recursive: true, mode: 0o700 });
          writeFileSync(scratchSecrets, files.secrets, { flag: 'wx', mode: 0o600 });
          chmodSync(scratchSecrets, 0o600); // whatever the umask
          renameSync(scratchSecrets, secretsPath);
        }
        renameSync(scratchConfig, configPath);

        writeOut(`wrote ${configPath}\n`);
        if (files.secrets !== undefined) {
          const held = ['a generated master key'];
          if (options.env === 'production') held.push('a metrics token');
          if (options.databaseUrl) held.push('the database URL');
          if (options.redisUrl) held.push('the Redis URL');
          if (options.smtpUrl) held.push('the SMTP URL');
          writeOut(`wrote ${secretsPath} (mode 0600: ${held.join(', ')})\n`);
          writeOut('  keep it in your secret store and out of version control\n');
        }
        for (const w of verdict.warnings) writeOut(`  warning: ${w}\n`);
        writeOut(
          files.secrets === undefined
            ? 'next: rampart config check && rampart start\n'
            : `next: set -a; . ${options.secrets.includes('/') ? options.secrets : `./${options.secrets}`}; set +a; rampart config check && rampart start\n`,
        );
      } finally {
        rmSync(scratchConfig, { force: true });
        rmSync(scratchSecrets, { force: true });
      }
    });
}
