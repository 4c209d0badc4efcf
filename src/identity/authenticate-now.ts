import type { FastifyRequest } from 'fastify';
import type { AccessTokenVerifier } from './core/access-token-verifier.js';
import type { AccessTokenClaims } from './core/access-tokens.js';
import type { ApiKeyService } from './core/api-key-service.js';
import type { ApiKeyVerification, VerifiedApiKey } from './core/api-key-verification.js';
import type { RevocationList } from './core/revocation-list.js';
import { hasMessageSignature } from './message-signature.js';
import type { ApiKeyPrincipal, Principal, UserPrincipal } from './principal.js';

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1; the scheme is
 * case-insensitive, RFC 9110 §11.1), or undefined when the scheme is not Bearer.
 */
export function bearerToken(header: string): string | undefined {
  if (header.length < 8 || header.charCodeAt(6) !== 32) return undefined;
  // `Bearer` in any case, without a lower-cased copy of the header on every request: OR
  // 0x20 maps an ASCII capital to its small letter, and no other character to these.
  for (let i = 0; i < 6; i++) {
    if ((header.charCodeAt(i) | 0x20) !== bearerCodes[i]) return undefined;
  }
  return header.slice(7).trim();
}

const bearerCodes = [0x62, 0x65, 0x61, 0x72, 0x65, 0x72]; // b e a r e r

export function apiKeyPrincipal(key: VerifiedApiKey, signed: boolean): ApiKeyPrincipal {
  return {
    kind: 'api_key',
    id: key.owner.id,
    ownerKind: key.owner.kind,
    keyId: key.keyId,
    roles: key.ownerRoles,
    scopes: key.scopes,
    ownerPermissions: key.ownerPermissions,
    signed,
  };
}

/** The principal of a verified, unrevoked access token. */
export function userPrincipal(claims: AccessTokenClaims): UserPrincipal {
  return {
    kind: 'user',
    id: claims.sub,
    roles: claims.roles,
    tokenId: claims.jti,
    tokenExpiresAt: claims.exp,
    amr: claims.amr ?? [],
    authTime: claims.auth_time,
    sessionId: claims.sid,
  };
}

/** What the synchronous path found. */
export type ImmediateAuthentication =
  /** Authenticated: every check passed in memory. */
  | { principal: Principal; apiKey?: undefined }
  /** An API key judged in memory and refused: the asynchronous path reports it. */
  | { principal?: undefined; apiKey: { key: string; result: ApiKeyVerification } };

export interface ImmediateAuthenticator {
  verifier: AccessTokenVerifier;
  revocations: RevocationList;
  apiKeys: ApiKeyService | undefined;
}

/**
 * The common case of authentication decided without a promise: a bearer access token
 * already verified (its signature proven earlier; key, `exp` and `nbf` checked again) and
 * not revoked, or an API key found in memory and valid, when the revocation lists are in
 * this process (the memory hot store). Undefined whenever any part needs I/O (a Redis hot
 * store, a cache miss) or the request is anything else (signatures, cookies, two
 * credentials, a malformed header): the asynchronous path then decides it as before,
 * errors and events included. The checks are the same ones, in the same order.
 */
export function authenticateNow(
  request: FastifyRequest,
  o: ImmediateAuthenticator,
): ImmediateAuthentication | undefined {
  const headers = request.headers;
  if (headers['x-signature'] !== undefined || hasMessageSignature(request)) return undefined;
  const header = headers.authorization;
  const apiKeyHeader = headers['x-api-key'];
  if (apiKeyHeader !== undefined) {
    if (header !== undefined || typeof apiKeyHeader !== 'string') return undefined;
    return apiKeyNow(apiKeyHeader.trim(), request.ip, o.apiKeys);
  }
  if (typeof header !== 'string' || header.length === 0) return undefined;
  const token = bearerToken(header);
  if (!token) return undefined;
  if (token.startsWith('rmp_')) return apiKeyNow(token, request.ip, o.apiKeys);
  const claims = o.verifier.verifyCachedNow(token);
  if (claims === undefined) return undefined;
  if (o.revocations.isRevokedNow(claims) !== false) return undefined;
  return { principal: userPrincipal(claims) };
}

function apiKeyNow(
  key: string,
  ip: string,
  apiKeys: ApiKeyService | undefined,
): ImmediateAuthentication | undefined {
  const result = apiKeys?.verifyNow(key, ip);
  if (result === undefined) return undefined;
  if (result.ok) return { principal: apiKeyPrincipal(result.key, false) };
  return { apiKey: { key, result } };
}
