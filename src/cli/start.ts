import { relative } from 'node:path';
import type { Command } from 'commander';
import type { OpenedLogger } from '../monitor/logger.js';
import type { Rampart } from '../rampart.js';
import { rampartVersion } from '../version.js';
import { type GlobalOptions, loadCliConfig } from './load-cli-config.js';
import { installShutdownHandlers } from './shutdown.js';
import { writeErr, writeOut } from './terminal-output.js';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Start the Rampart server (migrates the database first)')
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { config, warnings } = loadCliConfig(globals);
      // Loaded on demand so `--help` and `config check` stay instant.
      const { openLogger } = await import('../monitor/logger.js');
      const { createRampart } = await import('../rampart.js');
      // Opened once Redis and the database have answered: a start that fails on them
      // leaves no log file behind (nor a data directory, test/cli-failed-start.test.ts).
      let log: OpenedLogger | undefined;
      const openLog = async () => {
        log = await openLogger(config.log);
        for (const warning of warnings) log.logger.warn({ warning }, 'configuration warning');
        return log.logger;
      };
      let rampart: Rampart;
      try {
        rampart = await createRampart(config, { logger: openLog });
      } catch (error) {
        // What was logged before the failure reaches the file before the process exits;
        // a failure before the log opened shows the configuration's warnings beside it.
        if (log === undefined) for (const w of warnings) writeErr(`warning: ${w}\n`);
        else await log.close().catch(() => {});
        throw error;
      }
      const logger = rampart.logger;
      installShutdownHandlers(rampart, {
        logger,
        graceMs: config.http.shutdownGrace * 1000,
        // The log file is written asynchronously: flush and close it before exiting.
        exit: (code) => {
          void Promise.resolve(log?.close()).finally(() => process.exit(code));
        },
      });
      const address = await rampart.listen();
      const out: string[] = [
        '',
        `  Rampart ${rampartVersion} is running (${config.env})`,
        `  Listening on  ${address}`,
        `  Public URL    ${config.publicUrl}`,
        `  API docs      ${config.publicUrl}/docs`,
        `  Database      ${rampart.database.description}`,
        `  Hot state     ${rampart.hot.kind}`,
      ];
      if (rampart.metrics) {
        const where = rampart.metricsUrl() ?? config.publicUrl;
        out.push(
          `  Metrics       ${where}/metrics${config.metrics.token ? ' (bearer token)' : ''}`,
        );
      }
      if ((await rampart.stores.accounts.countActiveAccountsWithRole('ADMIN')) === 0) {
        const bootstrap =
          config.env === 'development' ? await rampart.accounts.issueBootstrapToken() : undefined;
        out.push(
          '',
          '  No administrator exists yet. Create the first one with:',
          '',
          `    ${selfCommand()} user create --email you@example.com --role ADMIN`,
        );
        if (bootstrap) {
          out.push(
            '',
            `  or over HTTP with this one-time bootstrap token (valid until ${new Date(bootstrap.expiresAt).toISOString()}):`,
            '',
            `    curl -X POST ${config.publicUrl}/v1/auth/bootstrap -H 'content-type: application/json' \\`,
            `      -d '{"token":"${bootstrap.token}","email":"you@example.com","password":"<12+ characters>"}'`,
          );
        }
      }
      writeOut(`${out.join('\n')}\n\n`);
    });
}

/** How the user invoked us: `./bin/rampart.js` from a checkout, else the installed `rampart`. */
function selfCommand(): string {
  const script = process.argv[1] ?? '';
  if (!script.endsWith('bin/rampart.js')) return 'rampart';
  const rel = relative(process.cwd(), script);
  // Outside the package's own directory tree, the absolute path reads better than ../../…
  if (rel.startsWith('..')) return script;
  return rel.startsWith('/') ? rel : `./${rel}`;
}
