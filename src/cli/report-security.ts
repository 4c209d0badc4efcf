import type { Command } from 'commander';
import { quoteValue } from '../shared/terminal-text.js';
import { CliError, ExitCode } from './exit-codes.js';
import { type GlobalOptions, loadCliConfig } from './load-cli-config.js';
import { writeOut } from './terminal-output.js';

function instant(value: string, flag: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new CliError(
      `${flag}: not a date or ISO 8601 time: ${quoteValue(value)}`,
      ExitCode.usage,
    );
  return ms;
}

const minutes = (ms: number | null) => (ms === null ? '-' : `${Math.round(ms / 60_000)} min`);

/** `rampart report security --from --to`: the security report, read from the database. */
export function registerReportCommands(program: Command): void {
  const report = program.command('report').description('Reports');
  report
    .command('security')
    .description(
      'Security report: authentication, operations, compliance coverage, incidents with MTTD/MTTR',
    )
    .requiredOption('--from <time>', 'start of the period (ISO 8601 date or time)')
    .option('--to <time>', 'end of the period (default: now)')
    .option('--json', 'print the report as JSON')
    .action(async (options: { from: string; to?: string; json?: boolean }, command: Command) => {
      const from = instant(options.from, '--from');
      const to = options.to ? instant(options.to, '--to') : Date.now();
      if (!(from < to)) throw new CliError('--from must be before --to', ExitCode.usage);
      const { config } = loadCliConfig(command.optsWithGlobals<GlobalOptions>());
      const { ensureReachable, openDatabase } = await import('../storage/database.js');
      const { migrationStatus } = await import('../storage/migrate.js');
      const { SqlReportSource } = await import('../storage/sql/sql-report-source.js');
      const { securityReport } = await import('../monitor/incidents/security-report.js');
      const database = openDatabase(config.databaseUrl, { existing: true });
      try {
        await ensureReachable(database);
        const status = await migrationStatus(database);
        if (!status.applied.includes('0052_monitor_response')) {
          throw new CliError('the database is not migrated: run rampart migrate', ExitCode.failure);
        }
        const r = await securityReport(new SqlReportSource(database.db as never), config, from, to);
        if (options.json) {
          writeOut(`${JSON.stringify(r, null, 2)}\n`);
          return;
        }
        const a = r.authentication;
        const i = r.incidents;
        const out = [
          `Security report ${r.period.from} → ${r.period.to}`,
          '',
          `Authentication: ${a.loginsSucceeded} logins, ${a.loginsFailed} failed (${(a.failureRate * 100).toFixed(1)}%), ${a.accountLockouts} lockouts, ${a.refreshTokenReuse} refresh-token reuses`,
          `Operations: ${r.operations.events} events, ${r.operations.denied} denied, ${r.operations.signals} detector signals, ${r.operations.ipBans} bans`,
          `Compliance: ${Math.round(r.compliance.coverage * 100)}% of controls on`,
          ...r.compliance.controls.map(
            (c) => `  [${c.enabled ? 'x' : ' '}] ${c.control}: ${c.detail}`,
          ),
          `Incidents: ${i.opened} opened; MTTD ${minutes(i.mttd)}, MTTA ${minutes(i.mtta)}, MTTR ${minutes(i.mttr)}`,
          ...i.items.map(
            (x) => `  ${x.openedAt}  ${x.severity.padEnd(8)} ${x.status.padEnd(12)} ${x.title}`,
          ),
        ];
        writeOut(`${out.join('\n')}\n`);
      } finally {
        await database.close();
      }
    });
}
