import { timingSafeEqual } from 'node:crypto';
import {
  canonicalIdentity,
  type GatewayIdentity,
  identityHeaders,
  identityMac,
} from './identity-signature.js';

export type IncomingHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifyGatewayIdentityOptions {
  /** `gateway.identitySecret` (or the derived secret): the same string the gateway signs with. */
  secret: string;
  /** Largest accepted age (and clock skew) of the signature in seconds; default 60. */
  maxAgeSeconds?: number;
  /** Seconds since the epoch; default now. */
  now?: number;
}

export type VerifyGatewayIdentityResult =
  | { ok: true; identity: GatewayIdentity }
  | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'invalid' };

const signaturePattern = /^t=(\d{1,12}),v1=([A-Za-z0-9_-]{43})$/;

function single(headers: IncomingHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

function list(value: string | undefined): string[] {
  return value === undefined || value === '' ? [] : value.split(',');
}

/**
 * For the API behind a Rampart gateway: checks that the `X-Rampart-*` identity headers of
 * a request were set by the gateway (HMAC-SHA256 with the shared secret, over the headers,
 * the method, the path and a timestamp) and returns the caller. Anything else — a missing
 * or stale signature, a header changed or added by someone else — is refused; treat the
 * request as unauthenticated then. Needs only node:crypto, so it can be copied as is.
 *
 * @example
 * const result = verifyGatewayIdentity(
 *   { method: req.method, url: req.url, headers: req.headers },
 *   { secret: process.env.RAMPART_GATEWAY_SECRET },
 * );
 * if (!result.ok) return res.writeHead(401).end();
 * console.log(result.identity.kind, result.identity.id, result.identity.roles);
 */
export function verifyGatewayIdentity(
  request: { method: string; url: string; headers: IncomingHeaders },
  options: VerifyGatewayIdentityOptions,
): VerifyGatewayIdentityResult {
  const header = single(request.headers, identityHeaders.signature);
  if (header === undefined) return { ok: false, reason: 'missing' };
  const match = signaturePattern.exec(header);
  if (!match) return { ok: false, reason: 'malformed' };
  const timestamp = Number(match[1]);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.maxAgeSeconds ?? 60)) {
    return { ok: false, reason: 'expired' };
  }
  const values: Record<string, string> = {};
  for (const name of [
    identityHeaders.principal,
    identityHeaders.keyId,
    identityHeaders.roles,
    identityHeaders.scopes,
    identityHeaders.requestId,
  ]) {
    const raw = request.headers[name];
    // A repeated header was added on the way: refuse rather than pick one.
    if (raw !== undefined && typeof raw !== 'string') return { ok: false, reason: 'malformed' };
    if (raw !== undefined) values[name] = raw;
  }
  const expected = Buffer.from(
    identityMac(options.secret, canonicalIdentity(timestamp, request.method, request.url, values)),
  );
  const given = Buffer.from(match[2] as string);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'invalid' };
  }
  const principal = values[identityHeaders.principal] ?? '';
  const colon = principal.indexOf(':');
  const kind = colon === -1 ? principal : principal.slice(0, colon);
  if (kind !== 'user' && kind !== 'api_key' && kind !== 'anonymous') {
    return { ok: false, reason: 'malformed' };
  }
  return {
    ok: true,
    identity: {
      kind,
      id: colon === -1 ? '' : principal.slice(colon + 1),
      keyId: values[identityHeaders.keyId] ?? '',
      roles: list(values[identityHeaders.roles]),
      scopes: list(values[identityHeaders.scopes]),
      requestId: values[identityHeaders.requestId] ?? '',
    },
  };
}
