import type { Command } from 'commander';
import { type GlobalOptions, loadCliConfig } from './load-cli-config.js';
import { writeOut } from './terminal-output.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (start does this too)')
    .option('--status', 'only show applied and pending migrations')
    .action(async (options: { status?: boolean }, command: Command) => {
      const { config } = loadCliConfig(command.optsWithGlobals<GlobalOptions>());
      const { ensureReachable, openDatabase } = await import('../storage/database.js');
      const { migrateToLatest, migrationStatus } = await import('../storage/migrate.js');
      const database = openDatabase(config.databaseUrl);
      try {
        await ensureReachable(database);
        if (options.status) {
          const s = await migrationStatus(database);
          writeOut(
            `database ${database.description}\napplied: ${s.applied.join(', ') || 'none'}\npending: ${s.pending.join(', ') || 'none'}\n`,
          );
          if (s.unknown.length > 0)
            writeOut(`unknown (from a newer Rampart): ${s.unknown.join(', ')}\n`);
          return;
        }
        const applied = await migrateToLatest(database);
        writeOut(
          applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n',
        );
      } finally {
        await database.close();
      }
    });
}
