import type { Command } from 'commander';
import { integerOption } from './integer-option.js';
import { registerMasterKeyCommands } from './keys-master.js';
import { type GlobalOptions, loadCliConfig } from './load-cli-config.js';
import { writeOut } from './terminal-output.js';

export function registerKeysCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description('Manage signing keys, data keys and master keys');
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
        writeOut(
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
  keys
    .command('rotate-data')
    .description(
      'Make a new primary data key and re-encrypt every sealed field in batches (resumes an interrupted rotation); unused keys retire',
    )
    .option(
      '--batch-size <n>',
      'rows per batch (progress is saved after each)',
      integerOption(1, 10_000),
      100,
    )
    .action(async ({ batchSize }: { batchSize: number }, command: Command) => {
      const { config } = loadCliConfig(command.optsWithGlobals<GlobalOptions>());
      const { createLogger } = await import('../monitor/logger.js');
      const { createRampart } = await import('../rampart.js');
      const { SingleBar, Presets } = (await import('cli-progress')).default;
      const rampart = await createRampart(config, { logger: createLogger({ level: 'warn' }) });
      const bar = new SingleBar(
        { format: 're-encrypting [{bar}] {percentage}% | {value}/{total}', noTTYOutput: false },
        Presets.shades_classic,
      );
      let started = false;
      try {
        const result = await rampart.dataKeys.rotate({
          actor: { kind: 'system', id: 'cli' },
          batchSize,
          resume: 'always',
          onProgress: (done, total) => {
            if (!started && process.stderr.isTTY) bar.start(total, 0);
            started = true;
            if (process.stderr.isTTY) bar.update(done);
          },
        });
        if (started && process.stderr.isTTY) bar.stop();
        writeOut(
          `${[
            `${result.resumed ? 'resumed rotation to' : 'new primary data key'} ${result.keyId}`,
            `re-encrypted ${result.reencrypted} of ${result.total} sealed values`,
            result.retiredKeys.length > 0
              ? `retired ${result.retiredKeys.join(', ')}`
              : 'no key retired',
            ...(result.legacyRemaining > 0
              ? [`${result.legacyRemaining} values still sealed by the master key: run again`]
              : []),
          ].join('\n')}\n`,
        );
      } finally {
        if (started && process.stderr.isTTY) bar.stop();
        await rampart.close();
      }
    });
  registerMasterKeyCommands(keys);
}
