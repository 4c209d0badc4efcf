import { type Command, Option } from 'commander';
import { Value } from 'typebox/value';
import { roleNames } from '../config/schema.js';
import { isRampartError, RampartError } from '../errors/rampart-error.js';
import { RegisterBody } from '../identity/schemas.js';
import { assertEmail } from './email-argument.js';
import { CliError, ExitCode } from './exit-codes.js';
import { type GlobalOptions, loadCliConfig } from './load-cli-config.js';
import { promptHidden, readStdin } from './prompt.js';
import { writeOut } from './terminal-output.js';

interface UserCreateOptions {
  email: string;
  role: string[];
  name?: string;
  passwordStdin?: boolean;
}

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) return readStdin();
  const first = await promptHidden('Password: ');
  const second = await promptHidden('Repeat password: ');
  if (first !== second) throw new CliError('the passwords do not match', ExitCode.usage);
  return first;
}

/** A refusal of the account service (a password the policy rejects, a taken email). */
function policyRefusal(error: RampartError): CliError {
  const violations = (error.extensions?.violations as string[] | undefined)?.join(', ');
  return new CliError(
    `${error.code}: ${error.detail}${violations ? ` (${violations})` : ''}`,
    ExitCode.usage,
  );
}

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('Manage accounts');
  user
    .command('create')
    .description('Create an account with roles (the way to make the first administrator)')
    .requiredOption('--email <email>', 'email address')
    .addOption(
      new Option('--role <role...>', 'role(s) to grant').choices([...roleNames]).default([]),
    )
    .option('--name <name>', 'display name')
    .option('--password-stdin', 'read the password from stdin instead of prompting')
    .action(async (options: UserCreateOptions, command: Command) => {
      // The bounds the HTTP API puts on the same fields (RegisterBody), checked before
      // anything is opened or read.
      assertEmail(options.email, '--email');
      if (options.name !== undefined && !Value.Check(RegisterBody.properties.name, options.name))
        throw new CliError('--name must be 1 to 200 characters', ExitCode.usage);
      const { config } = loadCliConfig(command.optsWithGlobals<GlobalOptions>());
      const password = await readPassword(options.passwordStdin ?? false);
      // The policy needs no store: a password it refuses (empty, oversize, common) is
      // refused before the database is opened and, in development, the master key
      // generated. The account service checks it again, as for every caller.
      const { checkPassword } = await import('../identity/core/password-policy.js');
      const { normalizeEmail } = await import('../identity/core/email.js');
      const { identityErrors } = await import('../identity/errors.js');
      const violations = checkPassword(password, normalizeEmail(options.email), config.password);
      const first = violations[0];
      if (first)
        throw policyRefusal(
          new RampartError(identityErrors[first], { extensions: { violations } }),
        );
      const { createLogger } = await import('../monitor/logger.js');
      const { createRampart } = await import('../rampart.js');
      const rampart = await createRampart(config, { logger: createLogger({ level: 'warn' }) });
      try {
        const account = await rampart.accounts.createAccount(
          {
            email: options.email,
            password,
            name: options.name,
            roles: options.role as (typeof roleNames)[number][],
          },
          { kind: 'system', id: 'cli' },
        );
        writeOut(
          `created account ${account.id} <${account.email}> roles: ${account.roles.join(', ') || 'none'}\n`,
        );
      } catch (error) {
        if (isRampartError(error)) throw policyRefusal(error);
        throw error;
      } finally {
        await rampart.close();
      }
    });
}
