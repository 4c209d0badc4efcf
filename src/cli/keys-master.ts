import type { Command } from 'commander';
import type { RampartConfig } from '../config/schema.js';
import type { MasterKeyStatus } from '../dataprotect/master-key-status.js';
import { CliError, ExitCode } from './exit-codes.js';
import { integerOption } from './integer-option.js';
import { type GlobalOptions, loadCliConfig } from './load-cli-config.js';
import { writeOut } from './terminal-output.js';

/** The lines an operator needs after a rotation or when asking for the status. */
async function describeStatus(status: MasterKeyStatus, config: RampartConfig): Promise<string[]> {
  const { resolveMasterKey } = await import('../dataprotect/master-key-file.js');
  const { deriveCheckpointSigner } = await import('../audit/core/checkpoint-signer.js');
  const { masterKeyFingerprint } = await import('../dataprotect/core/master-key-ring.js');
  const lines = [`current master key ${status.current}`];
  const counts = new Map<string, number>();
  for (const k of status.dataKeys)
    counts.set(k.sealedBy ?? 'unreadable', (counts.get(k.sealedBy ?? 'unreadable') ?? 0) + 1);
  for (const [fingerprint, n] of counts) {
    const role =
      fingerprint === status.current
        ? 'current'
        : status.previous.some((p) => p.fingerprint === fingerprint)
          ? 'previous'
          : 'NOT CONFIGURED';
    lines.push(`  ${n} data key${n === 1 ? '' : 's'} sealed by ${fingerprint} (${role})`);
  }
  if (status.unknown.legacyValues > 0)
    lines.push(
      `  ${status.unknown.legacyValues} values sealed by a master key that is not configured`,
    );
  const previousKeys = resolveMasterKey(config).previous;
  for (const p of status.previous) {
    if (!p.needed) {
      lines.push(`previous master key ${p.fingerprint}: no longer needed, remove it`);
    } else if (p.dataKeys > 0 || p.legacyValues > 0) {
      lines.push(
        `previous master key ${p.fingerprint}: still seals ${p.dataKeys} data keys and ${p.legacyValues} values (run rampart keys rotate-master)`,
      );
    } else {
      lines.push(
        `previous master key ${p.fingerprint}: needed until ${new Date(p.cachedResponsesUntil ?? Date.now()).toISOString()} (idempotent responses cached in the hot store)`,
      );
    }
    const key = previousKeys.find((k) => masterKeyFingerprint(k) === p.fingerprint);
    const checkpointKey = key ? deriveCheckpointSigner(key).publicKey : undefined;
    if (config.audit.enabled && checkpointKey && !config.audit.trustedKeys.includes(checkpointKey))
      lines.push(
        `  before removing it, add ${checkpointKey} to audit.trustedKeys (audit checkpoints it signed)`,
      );
  }
  return lines;
}

/** `rampart keys rotate-master` and `rampart keys master-status`. */
export function registerMasterKeyCommands(keys: Command): void {
  keys
    .command('rotate-master')
    .description(
      'Re-seal every data key under masterKey (opened with masterKeyPrevious), one key at a time, verified before each write; resumes an interrupted rotation',
    )
    .option(
      '--batch-size <n>',
      'values per batch when moving master-sealed values',
      integerOption(1, 10_000),
      100,
    )
    .action(async ({ batchSize }: { batchSize: number }, command: Command) => {
      const { config } = loadCliConfig(command.optsWithGlobals<GlobalOptions>());
      const { createLogger } = await import('../monitor/logger.js');
      const { createRampart } = await import('../rampart.js');
      const { SingleBar, Presets } = (await import('cli-progress')).default;
      const rampart = await createRampart(config, { logger: createLogger({ level: 'warn' }) });
      const tty = process.stderr.isTTY === true;
      const bar = new SingleBar(
        { format: 're-sealing [{bar}] {percentage}% | {value}/{total}', noTTYOutput: false },
        Presets.shades_classic,
      );
      let started = false;
      try {
        const result = await rampart.masterKeys.rotate({
          actor: { kind: 'system', id: 'cli' },
          batchSize,
          resume: 'always',
          onProgress: (done, total) => {
            if (!started && tty) bar.start(total, 0);
            started = true;
            if (tty) bar.update(done);
          },
        });
        if (started && tty) bar.stop();
        started = false;
        const lines = [
          `${result.resumed ? 'resumed rotation to' : 'rotated to'} master key ${result.keyId}`,
          `re-sealed ${result.resealedKeys} data keys, moved ${result.reencryptedValues} master-sealed values into the data key ring`,
          ...(await describeStatus(await rampart.masterKeys.status(), config)),
        ];
        writeOut(`${lines.join('\n')}\n`);
      } finally {
        if (started && tty) bar.stop();
        await rampart.close();
      }
    });
  keys
    .command('master-status')
    .description(
      'Which master key (by fingerprint) seals each data key, and whether each previous master key is still needed; works even when the server refuses to start',
    )
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { config } = loadCliConfig(command.optsWithGlobals<GlobalOptions>());
      const { ensureReachable, openDatabase } = await import('../storage/database.js');
      const { migrationStatus } = await import('../storage/migrate.js');
      const { SqlDataKeyStore } = await import('../storage/sql/sql-data-key-store.js');
      const { SqlMasterKeyStore } = await import('../storage/sql/sql-master-key-store.js');
      const { resolveMasterKey } = await import('../dataprotect/master-key-file.js');
      const { createMasterKeyRing } = await import('../dataprotect/core/master-key-ring.js');
      const { encryptedFields } = await import('../dataprotect/core/encrypted-fields.js');
      const { readMasterKeyStatus } = await import('../dataprotect/master-key-status.js');
      const { masterKeyStatusJson } = await import('../dataprotect/routes/master-keys.routes.js');
      const { existsSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { masterKeyFileName } = await import('../dataprotect/master-key-file.js');
      // Never create a development master key just to report on the stored ones.
      if (config.masterKey === undefined && !existsSync(join(config.dataDir, masterKeyFileName)))
        throw new CliError('no master key is configured (masterKey)', ExitCode.usage);
      const masterKey = resolveMasterKey(config);
      const database = openDatabase(config.databaseUrl, { existing: true });
      try {
        await ensureReachable(database);
        const migrations = await migrationStatus(database);
        if (migrations.pending.length > 0)
          throw new CliError('the database is not migrated: run rampart migrate', ExitCode.failure);
        const store = new SqlMasterKeyStore(database.db);
        const status = await readMasterKeyStatus({
          masterKeys: createMasterKeyRing(masterKey.key, masterKey.previous),
          keys: await store.listDataKeys(),
          fields: new SqlDataKeyStore(database.db),
          encryptedFields,
          rotation: await store.latestMasterRotation(),
          idempotencyTtlMs: config.idempotency.ttl * 1000,
          now: Date.now(),
        });
        writeOut(
          options.json
            ? `${JSON.stringify(masterKeyStatusJson(status))}\n`
            : `${(await describeStatus(status, config)).join('\n')}\n`,
        );
      } finally {
        await database.close();
      }
    });
}
