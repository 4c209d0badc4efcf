import type { Command } from 'commander';
import { type GlobalOptions, loadCliConfig } from './load-cli-config.js';

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('Manage signing keys');
  keys
    .command('rotate')
    .description(
      'Make a new current JWT signing key; the old one verifies until its last token expires',
    )
    .action(async (_options: unknown, command: Command) => {
      const { config } = loadCliConfig(command.optsWithGlobals<GlobalOptions>());
      const { createLogger } = await import('../monitor/logger.js');
      const { createRampart } = await import('../rampart.js');
      const rampart = await createRampart(config, { logger: createLogger({ level: 'warn' }) });
      try {
        const result = await rampart.signingKeys.rotate({ kind: 'system', id: 'cli' });
        process.stdout.write(
          `${[
            `new signing key ${result.kid} (${result.algorithm})`,
            result.retiredKids.length > 0
              ? `retired ${result.retiredKids.join(', ')}: verifies until ${new Date(result.retiredVerifyUntil).toISOString()}`
              : 'no previous key',
            config.redisUrl
              ? 'running nodes were told through Redis and reload at once'
              : 'running servers pick the new key up within 60 s',
          ].join('\n')}\n`,
        );
      } finally {
        await rampart.close();
      }
    });
}
