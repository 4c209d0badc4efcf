import type { Command } from 'commander';
import { quoteValue } from '../shared/terminal-text.js';
import { assertEmail } from './email-argument.js';
import { CliError, ExitCode } from './exit-codes.js';
import { type GlobalOptions, loadCliConfig } from './load-cli-config.js';
import { writeOut } from './terminal-output.js';

/**
 * `rampart user reset-mfa <email>`: the operator's way back in when the only
 * administrator has lost their authenticator and recovery codes, so no one can call
 * DELETE /v1/admin/accounts/{id}/mfa. MFA lives in the database, so the change holds on
 * every node at once; an account whose role requires MFA enrols again at its next login.
 */
export function registerMfaResetCommand(program: Command): void {
  const user =
    program.commands.find((c) => c.name() === 'user') ??
    program.command('user').description('Manage accounts');
  user
    .command('reset-mfa')
    .description("Remove an account's second factor and recovery codes (a lost device)")
    .argument('<email>', 'email of the account')
    .action(async (email: string, _options: unknown, command: Command) => {
      // Checked before the configuration is read or the database opened: a mistyped
      // address is a usage error, not an account that was looked up and not found.
      assertEmail(email, '<email>');
      const { config } = loadCliConfig(command.optsWithGlobals<GlobalOptions>());
      const { createLogger } = await import('../monitor/logger.js');
      const { createRampart } = await import('../rampart.js');
      const { normalizeEmail } = await import('../identity/core/email.js');
      const rampart = await createRampart(config, { logger: createLogger({ level: 'warn' }) });
      try {
        const account = await rampart.stores.accounts.findAccountByEmail(normalizeEmail(email));
        if (!account)
          throw new CliError(`no account has the email ${quoteValue(email)}`, ExitCode.failure);
        const wasEnabled = await rampart.identity.mfa.status(account.id);
        await rampart.identity.mfa.reset(account.id, { kind: 'system', id: 'cli' }, {});
        writeOut(
          wasEnabled.enabled
            ? `removed the second factor and recovery codes of ${account.email}\n`
            : `${account.email} had no second factor; nothing to remove\n`,
        );
      } finally {
        await rampart.close();
      }
    });
}
