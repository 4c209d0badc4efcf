import type { RoleName } from '../config/schema.js';

/** Who is making a request, once authentication has run. */
export interface Principal {
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

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook; null on anonymous requests. */
    principal: Principal | null;
  }
}
