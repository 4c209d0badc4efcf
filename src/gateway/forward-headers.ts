import type { IncomingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop fields (RFC 9110 §7.6.1) belong to one connection and are never forwarded;
 * `host` is the gateway's, `expect` is answered by the gateway's own server, and
 * `forwarded` / `x-forwarded-*` are set afresh so a client cannot spoof them.
 */
const requestDropped = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'http2-settings',
]);

const responseDropped = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The field names listed by a Connection header: hop-by-hop too (RFC 9110 §7.6.1). */
function connectionOptions(value: string | string[] | undefined): Set<string> | undefined {
  // The usual values name no other field (and are dropped with Connection itself).
  if (value === undefined || value === 'keep-alive' || value === 'close') return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  const names = new Set<string>();
  for (const part of text.split(',')) {
    const name = part.trim().toLowerCase();
    if (name !== '') names.add(name);
  }
  return names.size === 0 ? undefined : names;
}

export interface ForwardedFor {
  /** The client and the trusted proxies before us, client first. */
  chain: readonly string[];
  proto: string;
  host: string;
}

/**
 * The headers the upstream gets: the client's minus hop-by-hop fields, minus anything
 * claiming to be a Rampart identity header (`x-rampart-*`: only the gateway sets those),
 * plus X-Forwarded-For/-Proto/-Host.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  forwarded: ForwardedFor,
): Record<string, string | string[]> {
  const listed = connectionOptions(incoming.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined) continue;
    if (requestDropped.has(name) || name.startsWith('x-rampart-') || listed?.has(name)) continue;
    out[name] = value;
  }
  out['x-forwarded-for'] = forwarded.chain.join(', ');
  out['x-forwarded-proto'] = forwarded.proto;
  if (forwarded.host !== '') out['x-forwarded-host'] = forwarded.host;
  return out;
}

/** The upstream's response headers as the client may see them. */
export function clientResponseHeaders(
  incoming: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const listed = connectionOptions(incoming.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || responseDropped.has(name) || listed?.has(name)) continue;
    out[name] = value;
  }
  return out;
}
