import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { RoleName } from '../config/schema.js';
import { isRampartError, RampartError } from '../errors/rampart-error.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { AccessTokenVerifier } from './core/access-token-verifier.js';
import type { RevocationList } from './core/revocation-list.js';
import { identityErrors } from './errors.js';
import type { Principal } from './principal.js';

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1; the scheme is
 * case-insensitive, RFC 9110 §11.1), or undefined when the scheme is not Bearer.
 */
function bearerToken(header: string): string | undefined {
  if (
    header.length < 8 ||
    header.charCodeAt(6) !== 32 ||
    header.slice(0, 6).toLowerCase() !== 'bearer'
  )
    return undefined;
  return header.slice(7).trim();
}

export interface Authenticator {
  /** preHandler: requires a valid, unrevoked access token and sets `request.principal`. */
  requireUser: preHandlerAsyncHookHandler;
  /** The principal set by `requireUser`; fails closed if a route forgot the hook. */
  principalOf(request: FastifyRequest): Principal;
  /** Refuses the principal's access token from now on, on every node. */
  revokeToken(principal: Principal): Promise<void>;
  /** preHandler factory: requires a principal holding one of `roles`. */
  requireRole(...roles: RoleName[]): preHandlerAsyncHookHandler;
}

export function requestContext(request: FastifyRequest) {
  const ua = request.headers['user-agent'];
  return {
    ip: request.ip,
    requestId: String(request.id),
    ...(typeof ua === 'string' ? { userAgent: ua.slice(0, 512) } : {}),
  };
}

/**
 * Bearer authentication (RFC 6750). HTTP parsing lives here; the cryptography lives in
 * core/access-token-verifier.ts. Fails closed: any error while verifying denies.
 */
export function createAuthenticator(
  verifier: AccessTokenVerifier,
  events: EventPublisher,
  revocations: RevocationList,
): Authenticator {
  async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (request.principal) return;
    const header = request.headers.authorization;
    if (typeof header !== 'string' || header.length === 0) {
      throw new RampartError(identityErrors.authentication_required, {
        headers: { 'WWW-Authenticate': 'Bearer realm="rampart"' },
      });
    }
    const token = bearerToken(header);
    if (!token) {
      throw new RampartError(identityErrors.invalid_token, {
        context: { reason: 'not_bearer' },
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_request"' },
      });
    }
    try {
      const claims = await verifier.verify(token);
      // A logout or a reused refresh token revokes tokens before they expire; the check
      // reads the shared hot store, so a revocation on any node holds here at once.
      if (await revocations.isRevoked(claims.jti, claims.sid)) {
        throw new RampartError(identityErrors.invalid_token, {
          context: { reason: 'revoked' },
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        });
      }
      const principal: Principal = {
        kind: 'user',
        id: claims.sub,
        roles: claims.roles,
        tokenId: claims.jti,
        tokenExpiresAt: claims.exp,
        amr: claims.amr ?? [],
        authTime: claims.auth_time,
        sessionId: claims.sid,
      };
      request.principal = principal;
    } catch (error) {
      const refusal = isRampartError(error)
        ? error
        : new RampartError(identityErrors.invalid_token, {
            context: { reason: 'verifier_error' },
            cause: error,
          });
      await events.publish({
        type: 'auth.token.rejected',
        outcome: 'failure',
        actor: { kind: 'anonymous', ip: request.ip },
        requestId: String(request.id),
        details: { reason: refusal.context?.reason ?? 'unknown' },
      });
      throw refusal;
    }
  }

  return {
    requireUser: authenticate,
    principalOf(request) {
      if (!request.principal) throw new Error('route reached without authentication');
      return request.principal;
    },
    async revokeToken(principal) {
      await revocations.revokeToken(principal.tokenId);
    },
    requireRole(...roles: RoleName[]) {
      const allowed = new Set(roles);
      return async function requireRole(request, reply) {
        await authenticate(request, reply);
        if (!request.principal?.roles.some((r) => allowed.has(r))) {
          throw new RampartError(identityErrors.permission_denied, { context: { needs: roles } });
        }
      };
    },
  };
}
