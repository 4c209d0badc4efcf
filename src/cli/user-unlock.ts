import type { Command } from 'commander';
import type { RampartConfig } from '../config/schema.js';
import type { Rampart } from '../rampart.js';
import { quoteValue } from '../shared/terminal-text.js';
import { assertEmail } from './email-argument.js';
import { CliError, ExitCode } from './exit-codes.js';
import { httpUrlOption } from './http-url-option.js';
import { type GlobalOptions, loadCliConfig } from './load-cli-config.js';
import { writeOut } from './terminal-output.js';

interface UserUnlockOptions {
  url?: string;
}

/** Seconds the CLI's own admin token lives; it is revoked as soon as the call is done. */
const cliTokenTtlSeconds = 60;

/** Where a server started with this configuration answers on this machine. */
export function localServerUrl(config: Pick<RampartConfig, 'host' | 'port'>): string {
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  const host = wildcard ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

type ServerAnswer = { kind: 'unlocked' } | { kind: 'unreachable'; reason: string };

/**
 * Asks a running server to unlock through its admin API. Whoever runs the CLI holds the
 * master key and the database, so it can already sign any token: it signs a one-minute
 * ADMIN token with the current signing key, uses it once and revokes it.
 */
async function unlockThroughServer(
  rampart: Rampart,
  url: string,
  accountId: string,
): Promise<ServerAnswer> {
  const { AccessTokenIssuer } = await import('../identity/core/access-tokens.js');
  const issuer = new AccessTokenIssuer({
    ring: rampart.ring,
    issuer: rampart.config.jwt.issuer,
    audience: rampart.config.jwt.audience,
    ttlSeconds: cliTokenTtlSeconds,
  });
  const { token } = await issuer.issue({ subject: 'system:cli', roles: ['ADMIN'] });
  const headers = { authorization: `Bearer ${token}` };
  let res: Response;
  try {
    res = await fetch(`${url}/v1/admin/accounts/${encodeURIComponent(accountId)}/unlock`, {
      method: 'POST',
      headers,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { kind: 'unreachable', reason: cause ?? (error as Error).message };
  }
  await fetch(`${url}/v1/auth/logout`, {
    method: 'POST',
    headers,
    signal: AbortSignal.timeout(10_000),
  }).catch(() => {});
  if (res.status === 204) return { kind: 'unlocked' };
  const problem = (await res.json().catch(() => ({}))) as { code?: string };
  throw new CliError(
    `the server at ${url} refused the unlock: ${res.status} ${problem.code ?? ''}`.trim(),
    ExitCode.failure,
  );
}

/**
 * `rampart user unlock <email>`. An administrator's lock lives in the database: the CLI
 * lifts it there. Lockouts live in the hot store: with Redis the CLI
 * clears them there, for every node at once; without Redis they live in the memory of the
 * running server, so the CLI asks that server through its admin API.
 */
export function registerUserUnlockCommand(program: Command): void {
  const user =
    program.commands.find((c) => c.name() === 'user') ??
    program.command('user').description('Manage accounts');
  user
    .command('unlock')
    .description(
      "Lift an administrator's lock and a lockout caused by failed sign-ins, and clear the failure counters",
    )
    .argument('<email>', 'email of the account')
    .option(
      '--url <url>',
      'the running server to ask when lockouts live in its memory (no Redis); default: its host and port from the configuration',
      httpUrlOption,
    )
    .action(async (email: string, options: UserUnlockOptions, command: Command) => {
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
        // An administrator's lock is durable: it is lifted in the database, whatever runs.
        if (await rampart.stores.accounts.clearAdminLock(account.id, Date.now())) {
          await rampart.identity.accountCache.changed(account.id);
          writeOut(`lifted the administrator's lock on ${account.email}\n`);
        }
        if (rampart.hot.kind === 'redis') {
          await rampart.identity.login.unlock(account.email, { kind: 'system', id: 'cli' });
          writeOut(
            `unlocked ${account.email}: lockout and failed attempts cleared in Redis, for every node\n`,
          );
          return;
        }
        const url = (options.url ?? localServerUrl(config)).replace(/\/+$/, '');
        const answer = await unlockThroughServer(rampart, url, account.id);
        if (answer.kind === 'unlocked') {
          writeOut(
            `unlocked ${account.email}: lockout and failed attempts cleared on the server at ${url}\n`,
          );
          return;
        }
        writeOut(
          `${[
            `no Rampart server answers at ${url} (${answer.reason}).`,
            'Without Redis, lockouts live in the memory of the server process and end with it,',
            `so ${account.email} is not locked while no server runs. If the server runs elsewhere,`,
            'pass its address with --url.',
          ].join('\n')}\n`,
        );
      } finally {
        await rampart.close();
      }
    });
}
