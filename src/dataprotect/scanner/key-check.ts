import type { SecretFinding } from './core/finding.js';

/** What the server said about a Rampart key a scan found. */
export type KeyCheck =
  | { status: 'active' | 'inactive'; keyId: string; ownerKind: string; ownerId: string }
  | { status: 'revoked'; keyId: string; ownerKind: string; ownerId: string }
  | { status: 'unknown' }
  | { status: 'error'; httpStatus?: number; code?: string };

interface LookupResponse {
  id: string;
  active: boolean;
  status: string;
  owner: { kind: string; id: string };
}

/**
 * Asks a Rampart server about each Rampart key found (`POST /v1/admin/api-keys/lookup`,
 * the key in the body, never in a URL) and, with `revoke`, revokes every active one
 * (`DELETE /v1/api-keys/:id`). Needs an administrator's token.
 */
export async function checkFoundKeys(
  findings: readonly SecretFinding[],
  options: { server: string; token: string; revoke: boolean; fetchImpl?: typeof fetch },
): Promise<Map<SecretFinding, KeyCheck>> {
  const doFetch = options.fetchImpl ?? fetch;
  const base = options.server.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' };
  const bySecret = new Map<string, KeyCheck>();
  const out = new Map<SecretFinding, KeyCheck>();
  for (const f of findings) {
    if (f.ruleId !== 'rampart-api-key') continue;
    let check = bySecret.get(f.secret);
    if (!check) {
      check = await lookup(doFetch, base, headers, f.secret);
      if (options.revoke && check.status === 'active') {
        const res = await doFetch(`${base}/v1/api-keys/${encodeURIComponent(check.keyId)}`, {
          method: 'DELETE',
          headers: { authorization: headers.authorization },
        });
        check = res.ok
          ? { ...check, status: 'revoked' }
          : { status: 'error', httpStatus: res.status, ...(await problemCode(res)) };
      }
      bySecret.set(f.secret, check);
    }
    out.set(f, check);
  }
  return out;
}

async function lookup(
  doFetch: typeof fetch,
  base: string,
  headers: Record<string, string>,
  key: string,
): Promise<KeyCheck> {
  const res = await doFetch(`${base}/v1/admin/api-keys/lookup`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ key }),
  });
  if (!res.ok) {
    const problem = await problemCode(res);
    if (res.status === 404 && problem.code === 'api_key_not_found') return { status: 'unknown' };
    return { status: 'error', httpStatus: res.status, ...problem };
  }
  const body = (await res.json()) as LookupResponse;
  return {
    status: body.active ? 'active' : 'inactive',
    keyId: body.id,
    ownerKind: body.owner.kind,
    ownerId: body.owner.id,
  };
}

async function problemCode(res: Response): Promise<{ code?: string }> {
  try {
    const body = (await res.json()) as { code?: unknown };
    return typeof body.code === 'string' ? { code: body.code } : {};
  } catch {
    return {};
  }
}
