import type { Rampart } from '../rampart.js';
import { CliError, ExitCode } from './exit-codes.js';

/** Seconds the CLI's own admin token lives; it is revoked as soon as the call is done. */
const cliTokenTtlSeconds = 60;

export type AdminApiAnswer =
  | { kind: 'answered'; status: number; body: unknown }
  | { kind: 'unreachable'; reason: string };

/**
 * Calls a running server's admin API as the CLI. Whoever runs the CLI holds the master
 * key and the database, so it can already sign any token: it signs a one-minute ADMIN
 * token with the current signing key, uses it once and revokes it (as `user unlock` does).
 * Used where state lives in the server's memory (no Redis).
 */
export async function callAdminApi(
  rampart: Rampart,
  url: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
): Promise<AdminApiAnswer> {
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
    res = await fetch(`${url}${path}`, { method, headers, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { kind: 'unreachable', reason: cause ?? (error as Error).message };
  }
  const body: unknown = await res.json().catch(() => ({}));
  await fetch(`${url}/v1/auth/logout`, {
    method: 'POST',
    headers,
    signal: AbortSignal.timeout(10_000),
  }).catch(() => {});
  return { kind: 'answered', status: res.status, body };
}

/** The answer's body when it succeeded; a CliError naming the problem code otherwise. */
export function expectAnswer(answer: AdminApiAnswer, url: string, what: string): unknown {
  if (answer.kind === 'unreachable') {
    throw new CliError(
      `no Rampart server answers at ${url} (${answer.reason}); without Redis, ${what} needs the running server (pass --url)`,
      ExitCode.failure,
    );
  }
  if (answer.status >= 400) {
    const code = (answer.body as { code?: string }).code ?? '';
    throw new CliError(
      `the server at ${url} refused: ${answer.status} ${code}`.trim(),
      ExitCode.failure,
    );
  }
  return answer.body;
}
