import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { quoteValue } from '../shared/terminal-text.js';
import { CliError, ExitCode } from './exit-codes.js';
import { type GlobalOptions, loadCliConfig } from './load-cli-config.js';
import { writeOut } from './terminal-output.js';

interface VerifyOptions {
  publicKey?: string[];
  file?: string;
  json?: boolean;
}

/** Each --public-key value, in the form of audit.trustedKeys: a mistyped key is refused. */
function publicKeyOption(value: string, previous: string[] | undefined): string[] {
  if (!/^[A-Za-z0-9_-]{43}$/.test(value))
    throw new InvalidArgumentError('Must be a checkpoint public key: 43 base64url characters.');
  return [...(previous ?? []), value];
}

/**
 * `rampart audit verify`: walks the audit chain in the database and checks every signed
 * checkpoint. Exit 0 when intact, 1 when a record was modified, deleted, inserted,
 * reordered or the tail truncated (naming the first bad sequence number).
 */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('Inspect and verify the audit trail');
  audit
    .command('verify')
    .description(
      'Verify the audit hash chain and its signed checkpoints; exit 1 and name the first bad sequence number if it was tampered with',
    )
    .option(
      '--public-key <key...>',
      'also trust these checkpoint public keys (base64url), e.g. from before a master key rotation',
      publicKeyOption,
    )
    .option(
      '--file <export.jsonl>',
      'verify an unfiltered JSONL export offline instead of the database (trust keys with --public-key)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: VerifyOptions, command: Command) => {
      const { config } = loadCliConfig(command.optsWithGlobals<GlobalOptions>());
      const { ensureReachable, openDatabase } = await import('../storage/database.js');
      const { migrationStatus } = await import('../storage/migrate.js');
      const { SqlAuditStore } = await import('../storage/sql/sql-audit-store.js');
      const { verifyAuditStore } = await import('../audit/audit-trail.js');
      const { deriveCheckpointSigner } = await import('../audit/core/checkpoint-signer.js');
      const { describeVerification, verificationJson } = await import('../audit/audit-json.js');
      const { masterKeyFileName, resolveMasterKey } = await import(
        '../dataprotect/master-key-file.js'
      );

      const trusted = new Set([...config.audit.trustedKeys, ...(options.publicKey ?? [])]);
      // Never create a development master key just to verify: without one, only the keys
      // given are trusted.
      if (config.masterKey !== undefined || existsSync(join(config.dataDir, masterKeyFileName))) {
        const masterKey = resolveMasterKey(config);
        // Checkpoints signed before a master key rotation, while the old key is configured.
        for (const key of [masterKey.key, ...masterKey.previous])
          trusted.add(deriveCheckpointSigner(key).publicKey);
      }
      const print = (result: Awaited<ReturnType<typeof verifyAuditStore>>) => {
        writeOut(
          options.json
            ? `${JSON.stringify(verificationJson(result))}\n`
            : `${describeVerification(result)}\n`,
        );
        if (!result.ok) process.exitCode = ExitCode.failure;
      };
      if (options.file !== undefined) {
        const { createReadStream, statSync } = await import('node:fs');
        const stat = (() => {
          try {
            return statSync(options.file as string);
          } catch (error) {
            const code = (error as { code?: string }).code ?? 'unreadable';
            throw new CliError(
              `--file ${quoteValue(options.file as string)}: cannot be read (${code})`,
              ExitCode.usage,
            );
          }
        })();
        if (!stat.isFile())
          throw new CliError(`--file ${quoteValue(options.file)}: is not a file`, ExitCode.usage);
        const { createInterface } = await import('node:readline');
        const { verifyExportLines } = await import('../audit/core/export-verifier.js');
        const lines = createInterface({
          input: createReadStream(options.file),
          crlfDelay: Infinity,
        });
        print(await verifyExportLines(lines, trusted));
        return;
      }
      const database = openDatabase(config.databaseUrl, { existing: true });
      try {
        await ensureReachable(database);
        const status = await migrationStatus(database);
        if (!status.applied.includes('0030_audit'))
          throw new CliError(
            'the database has no audit trail yet: run rampart migrate',
            ExitCode.failure,
          );
        print(await verifyAuditStore(new SqlAuditStore(database.db, database.dialect), trusted));
      } finally {
        await database.close();
      }
    });
}
