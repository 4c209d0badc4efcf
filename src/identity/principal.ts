import type { RoleName } from '../config/schema.js';
import type { ApiKeyOwnerKind } from './api-key-store.js';

/** A person signed in with an access token from login. */
export interface UserPrincipal {
  kind: 'user';
  id: string;
  roles: readonly RoleName[];
  /** The access token's `jti`. */
  tokenId: string;
  /** Seconds since the epoch when the token expires. */
  tokenExpiresAt: number;
  amr: readonly string[];
  authTime: number | undefined;
  /** The session of the access token (absent for tokens without one). */
  sessionId: string | undefined;
}

/** A caller holding an API key, of a person or of a service account. */
export interface ApiKeyPrincipal {
  kind: 'api_key';
  /** The owner: an account id or a service account id. */
  id: string;
  ownerKind: ApiKeyOwnerKind;
  keyId: string;
  /** The owner's roles now. */
  roles: readonly RoleName[];
  /** The key's scopes; what it may do is these, limited to what the owner may do now. */
  scopes: readonly string[];
  ownerPermissions: readonly string[];
  /** True when the request was signed with the key's secret (and its nonce was new). */
  signed: boolean;
}

/** Who is making a request, once authentication has run. */
export type Principal = UserPrincipal | ApiKeyPrincipal;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook; null on anonymous requests. */
    principal: Principal | null;
  }
}
