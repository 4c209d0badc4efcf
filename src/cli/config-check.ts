import type { Command } from 'commander';
import { checkConfig, formatProblems } from '../config/index.js';
import { redactConfig } from '../config/redact-config.js';
import { ExitCode } from './exit-codes.js';
import type { GlobalOptions } from './load-cli-config.js';
import { writeErr, writeOut } from './terminal-output.js';

function setExitCode(code: number): void {
  process.exitCode = code;
}

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('Inspect the configuration');
  config
    .command('check')
    .description(
      'Validate the configuration as `start` would, without starting (exit 2 if invalid)',
    )
    .option('--json', 'machine-readable verdict')
    .action((options: { json?: boolean }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const verdict = checkConfig(
        globals.config !== undefined ? { configPath: globals.config } : {},
      );
      const notes: string[] = [];
      if (verdict.config && verdict.config.masterKey === undefined) {
        notes.push('no master key set: development generates one in the data directory at start');
      }
      if (options.json) {
        writeOut(
          `${JSON.stringify(
            {
              ok: verdict.ok,
              file: verdict.filePath ?? null,
              problems: verdict.problems,
              warnings: verdict.warnings,
              notes,
              effective: verdict.config ? redactConfig(verdict.config) : null,
            },
            null,
            2,
          )}\n`,
        );
      } else if (verdict.ok && verdict.config) {
        const c = verdict.config;
        writeOut(
          `Configuration OK (${verdict.filePath ?? 'no config file'}; env ${c.env}; ${c.databaseUrl.startsWith('sqlite:') ? 'SQLite' : 'PostgreSQL'}; hot state ${c.redisUrl ? 'Redis' : 'memory'})\n`,
        );
        for (const w of verdict.warnings) writeOut(`  warning: ${w}\n`);
        for (const n of notes) writeOut(`  note: ${n}\n`);
      } else {
        const n = verdict.problems.length;
        writeErr(
          `Configuration is invalid (${n} problem${n === 1 ? '' : 's'}):\n${formatProblems(verdict.problems)}\n`,
        );
        for (const w of verdict.warnings) writeErr(`  warning: ${w}\n`);
      }
      setExitCode(verdict.ok ? ExitCode.ok : ExitCode.usage);
    });

  config
    .command('show')
    .description('Print the effective configuration with secrets redacted')
    .action((_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const verdict = checkConfig(
        globals.config !== undefined ? { configPath: globals.config } : {},
      );
      if (!verdict.config) {
        writeErr(`Configuration is invalid:\n${formatProblems(verdict.problems)}\n`);
        setExitCode(ExitCode.usage);
        return;
      }
      const sources = Object.fromEntries(verdict.sources);
      writeOut(
        `${JSON.stringify({ effective: redactConfig(verdict.config), sources }, null, 2)}\n`,
      );
    });
}
