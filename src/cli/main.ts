import { Command, CommanderError } from 'commander';
import { RampartError } from '../errors/rampart-error.js';
import { rampartVersion } from '../version.js';
import { registerAuditCommands } from './audit-verify.js';
import { registerConfigCommands } from './config-check.js';
import { shortenEchoedArguments } from './echoed-arguments.js';
import { CliError, ExitCode } from './exit-codes.js';
import { registerInitCommand } from './init.js';
import { registerKeysCommands } from './keys-rotate.js';
import { registerMfaResetCommand } from './mfa-reset.js';
import { registerMigrateCommand } from './migrate.js';
import { registerReportCommands } from './report-security.js';
import { registerResponseCommands } from './response.js';
import { registerScanCommand } from './scan.js';
import { registerStartCommand } from './start.js';
import { writeErr, writeOut } from './terminal-output.js';
import { registerUserCommands } from './user-create.js';
import { registerUserUnlockCommand } from './user-unlock.js';

/**
 * The CLI. `argv` is the command line as `main` gets it (node, the script, then what the
 * operator typed); its errors shorten the typed arguments they repeat.
 */
export function buildProgram(argv: readonly string[] = process.argv): Command {
  // Not node's path or the script's: a deep install path is no mistake to shorten.
  const typed = argv.slice(2);
  const program = new Command('rampart')
    .description(
      'Rampart: identity, authorization, abuse protection, audit and monitoring for HTTP APIs',
    )
    .version(rampartVersion, '-v, --version')
    .option(
      '-c, --config <path>',
      'config file (default: rampart.config.{json,yaml,yml} in the working directory, or RAMPART_CONFIG)',
    )
    .showHelpAfterError('(run with --help for usage)')
    // Commander quotes the offending argument in its errors; set before the subcommands
    // are added, which copy it.
    .configureOutput({
      writeOut,
      writeErr,
      outputError: (message, write) => write(shortenEchoedArguments(message, typed)),
    })
    .addHelpText(
      'after',
      '\nEnvironment: every setting is also RAMPART_<NAME> (see README). Exit codes: 0 ok, 1 failure, 2 usage or configuration error.',
    );
  registerStartCommand(program);
  registerInitCommand(program);
  registerMigrateCommand(program);
  registerUserCommands(program);
  registerUserUnlockCommand(program);
  registerKeysCommands(program);
  registerConfigCommands(program);
  registerMfaResetCommand(program);
  registerAuditCommands(program);
  registerScanCommand(program);
  registerResponseCommands(program);
  registerReportCommands(program);
  // Commander exits 1 on usage errors; we reserve 1 for failures and use 2 for usage.
  program.exitOverride();
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

/** Runs the CLI; resolves with the exit code (long-running `start` resolves once listening). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram(argv);
  const report = (message: string) => writeErr(shortenEchoedArguments(message, argv.slice(2)));
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version')
        return ExitCode.ok;
      // `rampart keys` without a subcommand prints the help on stderr as an error (exit code
      // 1 from Commander); `rampart help` prints it as asked (0).
      if (error.code === 'commander.help')
        return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      if (error.code === 'commander.executeSubCommandAsync') return ExitCode.ok;
      return ExitCode.usage;
    }
    if (error instanceof CliError) {
      report(`rampart: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof Error && (error as { code?: unknown }).code === 'schema_ahead_of_code') {
      report(`rampart: ${error.message}\n`);
      return ExitCode.failure;
    }
    const message = error instanceof Error ? error.message : String(error);
    // A catalogued error (e.g. master_key_mismatch at start-up) leads with its stable code.
    const code = error instanceof RampartError ? `${error.code}: ` : '';
    report(`rampart: ${code}${message}\n`);
    if (process.env.RAMPART_DEBUG) writeErr(`${error instanceof Error ? error.stack : ''}\n`);
    return ExitCode.failure;
  }
}
