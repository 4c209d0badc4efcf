import type { Command } from 'commander';
import type { ResponseActionRecord } from '../monitor/response/store.js';
import { callAdminApi, expectAnswer } from './admin-api-call.js';
import { CliError, ExitCode } from './exit-codes.js';
import { httpUrlOption } from './http-url-option.js';
import { integerOption } from './integer-option.js';
import { type GlobalOptions, loadCliConfig } from './load-cli-config.js';
import { writeOut } from './terminal-output.js';
import { localServerUrl } from './user-unlock.js';

interface UrlOption {
  url?: string;
}

const cliActor = { kind: 'system' as const, id: 'cli' };

async function openRampart(command: Command) {
  const { config } = loadCliConfig(command.optsWithGlobals<GlobalOptions>());
  const { createLogger } = await import('../monitor/logger.js');
  const { createRampart } = await import('../rampart.js');
  return createRampart(config, { logger: createLogger({ level: 'warn' }) });
}

function line(r: ResponseActionRecord): string {
  const subject = r.subjectId ? `${r.subjectType}:${r.subjectId}` : '-';
  return [
    r.id,
    new Date(r.createdAt).toISOString(),
    r.detector ?? '-',
    r.action,
    subject,
    r.status,
    r.reversible && r.status === 'executed' ? 'revertible' : '',
  ].join('  ');
}

/**
 * `rampart response list|revert` and `rampart readonly off`. Listing reads the database.
 * Reverting and read-only mode touch hot state: with Redis the CLI changes it there, for
 * every node at once; without Redis it lives in the running server, so the CLI asks it.
 */
export function registerResponseCommands(program: Command): void {
  const response = program.command('response').description('Automated response actions');
  response
    .command('list')
    .description('List automated response actions, newest first')
    .option('--limit <n>', 'how many (1 to 10000)', integerOption(1, 10_000), 50)
    .option('--status <status>', 'only executed, dry_run, skipped, failed or reverted')
    .option('--json', 'print JSON')
    .action(
      async (options: { limit: number; status?: string; json?: boolean }, command: Command) => {
        const { limit } = options;
        const statuses = ['executed', 'dry_run', 'skipped', 'failed', 'reverted'];
        if (options.status !== undefined && !statuses.includes(options.status)) {
          throw new CliError(`--status must be one of ${statuses.join(', ')}`, ExitCode.usage);
        }
        const rampart = await openRampart(command);
        try {
          const items = await rampart.response.responses.list({
            limit,
            ...(options.status !== undefined
              ? { status: options.status as ResponseActionRecord['status'] }
              : {}),
          });
          if (options.json) writeOut(`${JSON.stringify(items, null, 2)}\n`);
          else if (items.length === 0) writeOut('no response actions\n');
          else writeOut(`${items.map(line).join('\n')}\n`);
        } finally {
          await rampart.close();
        }
      },
    );
  response
    .command('revert')
    .description(
      'Undo an automated response action (lift the ban or lock, clear the MFA flag, end read-only mode)',
    )
    .argument('<id>', 'the action id (from rampart response list)')
    .option(
      '--url <url>',
      'the running server to ask when hot state lives in its memory (no Redis)',
      httpUrlOption,
    )
    .action(async (id: string, options: UrlOption, command: Command) => {
      const rampart = await openRampart(command);
      try {
        if (rampart.hot.kind === 'redis') {
          const reverted = await rampart.response.responses.revert(id, cliActor);
          writeOut(`reverted ${reverted.action} ${reverted.subjectId ?? ''}\n`);
          return;
        }
        const url = (options.url ?? localServerUrl(rampart.config)).replace(/\/+$/, '');
        const answer = await callAdminApi(
          rampart,
          url,
          'POST',
          `/v1/responses/${encodeURIComponent(id)}/revert`,
        );
        const body = expectAnswer(answer, url, 'reverting') as {
          action: string;
          subject: { id: string } | null;
        };
        writeOut(`reverted ${body.action} ${body.subject?.id ?? ''} on the server at ${url}\n`);
      } finally {
        await rampart.close();
      }
    });

  const readonly = program.command('readonly').description('Read-only mode');
  readonly
    .command('off')
    .description('Turn read-only mode off on every node')
    .option(
      '--url <url>',
      'the running server to ask when hot state lives in its memory (no Redis)',
      httpUrlOption,
    )
    .action(async (options: UrlOption, command: Command) => {
      const rampart = await openRampart(command);
      try {
        if (rampart.hot.kind === 'redis') {
          const changed = await rampart.response.readOnly.disable(cliActor);
          writeOut(changed ? 'read-only mode is off\n' : 'read-only mode was not on\n');
          return;
        }
        const url = (options.url ?? localServerUrl(rampart.config)).replace(/\/+$/, '');
        expectAnswer(
          await callAdminApi(rampart, url, 'DELETE', '/v1/admin/read-only'),
          url,
          'read-only mode',
        );
        writeOut(`read-only mode is off on the server at ${url}\n`);
      } finally {
        await rampart.close();
      }
    });
}
