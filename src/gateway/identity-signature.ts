import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';

/** Header names of the identity the gateway hands to the upstream. */
export const identityHeaders = Object.freeze({
  principal: 'x-rampart-principal',
  keyId: 'x-rampart-key-id',
  roles: 'x-rampart-roles',
  scopes: 'x-rampart-scopes',
  requestId: 'x-rampart-request-id',
  signature: 'x-rampart-identity-signature',
});

/** What the gateway asserts about one proxied request. */
export interface GatewayIdentity {
  /** `user`, `api_key` (the key's owner is `id`) or `anonymous` (a route with auth none). */
  kind: 'user' | 'api_key' | 'anonymous';
  /** Account or service-account id; empty for anonymous. */
  id: string;
  /** The API key id, when the caller used one. */
  keyId: string;
  roles: readonly string[];
  /** The API key's scopes (empty for users and anonymous callers). */
  scopes: readonly string[];
  requestId: string;
}

/**
 * The signed text: a version tag, the timestamp, the request line as the upstream sees it
 * and every identity header, one per line. Binding method and path stops a captured set of
 * headers from being replayed onto another request.
 */
export function canonicalIdentity(
  timestamp: number,
  method: string,
  path: string,
  headers: Readonly<Record<string, string>>,
): string {
  return [
    'rampart-identity/v1',
    String(timestamp),
    method.toUpperCase(),
    path,
    headers[identityHeaders.principal] ?? '',
    headers[identityHeaders.keyId] ?? '',
    headers[identityHeaders.roles] ?? '',
    headers[identityHeaders.scopes] ?? '',
    headers[identityHeaders.requestId] ?? '',
  ].join('\n');
}

export function identityMac(secret: string | Uint8Array | KeyObject, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('base64url');
}

/** The secret as a key object, made once: HMAC with a string key re-imports it every time. */
export function identityKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/**
 * The identity signing key when `gateway.identitySecret` is not set: HKDF (RFC 5869) of the
 * master key for this one purpose, as base64url (give this string to the upstream).
 */
export function deriveGatewayIdentitySecret(masterKey: Uint8Array): string {
  return Buffer.from(
    hkdfSync('sha256', masterKey, Buffer.alloc(0), 'rampart/gateway-identity/v1', 32),
  ).toString('base64url');
}

/**
 * The identity headers for one request, signed: the values as `name → value`, plus
 * `x-rampart-identity-signature: t=<unix seconds>,v1=<base64url HMAC-SHA256>`, written into
 * `into` when given. The gateway itself signs with {@link IdentitySigner}; both produce the
 * same headers.
 */
export function signIdentity(
  secret: string | KeyObject,
  identity: GatewayIdentity,
  method: string,
  path: string,
  nowSeconds: number,
  into: Record<string, string | string[]> = {},
): Record<string, string | string[]> {
  const headers: Record<string, string> = {
    [identityHeaders.principal]: principalValue(identity),
    [identityHeaders.roles]: identity.roles.join(','),
    [identityHeaders.requestId]: identity.requestId,
  };
  if (identity.keyId !== '') headers[identityHeaders.keyId] = identity.keyId;
  if (identity.scopes.length > 0) headers[identityHeaders.scopes] = identity.scopes.join(',');
  const mac = identityMac(secret, canonicalIdentity(nowSeconds, method, path, headers));
  headers[identityHeaders.signature] = `t=${nowSeconds},v1=${mac}`;
  for (const name in headers) into[name] = headers[name] as string;
  return into;
}

function principalValue(identity: Pick<GatewayIdentity, 'kind' | 'id'>): string {
  return identity.kind === 'anonymous' ? 'anonymous' : `${identity.kind}:${identity.id}`;
}
