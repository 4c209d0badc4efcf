import type { IncomingHttpHeaders } from 'node:http';
import { util } from 'undici';

const { headerNameToString } = util;

/**
 * Hop-by-hop fields (RFC 9110 §7.6.1) belong to one connection and are never forwarded;
 * `host` is the gateway's, `expect` is answered by the gateway's own server,
 * `forwarded` / `x-forwarded-*` are set afresh so a client cannot spoof them, and the other
 * client-address headers are dropped for the same reason.
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
  // Client addresses and front-end facts some frameworks trust as set by their proxy: from
  // a client they are spoofed (the upstream learns the client from X-Forwarded-For, which
  // the gateway sets).
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-cluster-client-ip',
  'x-forwarded',
  'forwarded-for',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'x-forwarded-scheme',
  'x-forwarded-ssl',
  'x-url-scheme',
  'front-end-https',
]);

/**
 * Headers that make some frameworks handle a request as another method or path than the
 * one on the request line (method-override middleware, IIS and Symfony's original-URL
 * headers). The gateway authorizes the request line, so a request carrying one is refused
 * (gateway plugin) rather than forwarded: GET /orders/1 authorized as a read must not be
 * run as a DELETE.
 */
export const overrideHeaders: readonly string[] = [
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-original-url',
  'x-rewrite-url',
];

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
  /**
   * The client and the trusted proxies before us, nearest first (Fastify's `request.ips`),
   * or the socket's address alone.
   */
  chain: readonly string[] | string;
  proto: string;
  host: string;
  /**
   * Drops the caller's API key (`x-api-key`, `Authorization: Bearer rmp_…`): the upstream
   * learns the caller from the signed identity, and a leak on its side must not hand out
   * credentials.
   */
  dropApiKey: boolean;
}

const apiKeyBearer = /^bearer\s+rmp_/i;

/**
 * The headers the upstream gets, as a flat `[name, value, …]` list (what undici takes
 * without building an object): the client's minus hop-by-hop fields, minus anything
 * claiming to be a Rampart identity header (`x-rampart-*`: only the gateway sets those),
 * plus X-Forwarded-For/-Proto/-Host.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  forwarded: ForwardedFor,
): string[] {
  const listed = connectionOptions(incoming.connection);
  const out: string[] = [];
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined) continue;
    if (requestDropped.has(name) || name.startsWith('x-rampart-') || listed?.has(name)) continue;
    if (forwarded.dropApiKey) {
      if (name === 'x-api-key') continue;
      if (name === 'authorization' && typeof value === 'string' && apiKeyBearer.test(value)) {
        continue;
      }
    }
    if (typeof value === 'string') out.push(name, value);
    else for (const item of value) out.push(name, item);
  }
  out.push('x-forwarded-for', forwardedFor(forwarded), 'x-forwarded-proto', forwarded.proto);
  if (forwarded.host !== '') out.push('x-forwarded-host', forwarded.host);
  return out;
}

/** Client first, then each proxy on the way: `request.ips` in reverse. */
function forwardedFor(forwarded: ForwardedFor): string {
  const chain = forwarded.chain;
  if (typeof chain === 'string') return chain;
  if (chain.length === 0) return '';
  let text = chain[chain.length - 1] as string;
  for (let i = chain.length - 2; i >= 0; i--) text += `, ${chain[i]}`;
  return text;
}

/**
 * The upstream's response headers as the client may see them, as a flat
 * `[name, value, …]` list of lowercase names, from undici's raw `[name, value, …]` buffers.
 */
export function clientResponseHeaders(raw: readonly Buffer[]): string[] {
  const out: string[] = [];
  let connection: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = headerNameToString(raw[i] as Buffer);
    const value = (raw[i + 1] as Buffer).toString('latin1');
    if (name === 'connection') {
      connection = connection === undefined ? value : `${connection},${value}`;
      continue;
    }
    if (responseDropped.has(name)) continue;
    out.push(name, value);
  }
  const listed = connectionOptions(connection);
  if (listed === undefined) return out;
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    if (!listed.has(out[i] as string)) kept.push(out[i] as string, out[i + 1] as string);
  }
  return kept;
}
