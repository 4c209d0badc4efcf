import type {
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import { type Authorizer, builtInAuthorizer } from '../authz/authorizer.js';
import type { AuthzResource, Decision, Environment } from '../authz/model.js';
import type { RoleName } from '../config/schema.js';
import { RampartError } from '../errors/rampart-error.js';
import type { EventPublisher } from '../events/event-bus.js';
import { markCallerGuard } from '../http/guard-order.js';
import { bindLogPrincipal } from '../monitor/logging/log-context.js';
import { apiKeyErrors } from './api-key-errors.js';
import { createCredentialCheck } from './authenticate-credentials.js';
import { authenticateNow, type ImmediateAuthentication } from './authenticate-now.js';
import type { AccessTokenVerifier } from './core/access-token-verifier.js';
import type { ApiKeyService } from './core/api-key-service.js';
import type { RevocationList } from './core/revocation-list.js';
import { identityErrors } from './errors.js';
import { hasMessageSignature } from './message-signature.js';
import { createPermissionDecision, errorDecision, requirementOf } from './permission-decision.js';
import type { Principal, UserPrincipal } from './principal.js';

export interface Authenticator {
  /**
   * preHandler: requires a person's valid, unrevoked access token and sets
   * `request.principal`. An API key is refused here (`user_token_required`).
   */
  requireUser: preHandlerHookHandler;
  /** preHandler: requires an access token or an API key. */
  requireCaller: preHandlerHookHandler;
  /** The user principal set by `requireUser`; fails closed if a route forgot the hook. */
  principalOf(request: FastifyRequest): UserPrincipal;
  /** The principal set by `requireCaller` (or `requireUser`). */
  callerOf(request: FastifyRequest): Principal;
  /** Refuses the principal's access token from now on, on every node. */
  revokeToken(principal: UserPrincipal): Promise<void>;
  /** preHandler factory: requires a person holding one of `roles`. */
  requireRole(...roles: RoleName[]): preHandlerHookHandler;
  /**
   * preHandler factory: requires a caller allowed `permission` (`resource:action`) by the
   * authorization engine: a person through their roles and grants, an API key through its
   * scopes limited to what its owner may do. With `resource`, the decision is about that
   * resource (resource-level grants and their conditions apply); any error denies.
   *
   * @example
   * app.get('/users/:id', {
   *   preHandler: auth.requirePermission('users:read', {
   *     resource: (req) => ({ type: 'users', id: (req.params as { id: string }).id }),
   *   }),
   * }, handler);
   */
  requirePermission(permission: string, options?: PermissionOptions): preHandlerHookHandler;
  /** The engine's decision for the authenticated caller of `request` (fails closed). */
  decide(request: FastifyRequest, permission: string, resource?: AuthzResource): Decision;
  /**
   * preHandler factory: requires a signed request (src/shared/sign-request.ts) by an API
   * key allowed `permission` (when given): proof of the secret, and no replay.
   */
  requireSignature(permission?: string): preHandlerAsyncHookHandler;
}

export interface PermissionOptions {
  /**
   * The resource the request is about, from the request (its params, or facts the server
   * looked up): never attributes the caller can set about themselves (ASVS 4.1.2).
   */
  resource?: (request: FastifyRequest) => AuthzResource;
}

export interface AuthenticatorAuthz {
  /** Decides permissions and roles; default: the built-in roles alone. */
  authorizer?: Authorizer;
  /** The environment Rampart runs in (config `env`), for the environment access matrix. */
  environment?: Environment;
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
 * Bearer authentication (RFC 6750) with access tokens or API keys (`Bearer rmp_…` or
 * `X-API-Key`). HTTP parsing lives here; the cryptography lives in
 * core/access-token-verifier.ts and core/api-key-service.ts. Fails closed: any error while
 * verifying denies.
 */
export function createAuthenticator(
  verifier: AccessTokenVerifier,
  events: EventPublisher,
  revocations: RevocationList,
  apiKeys?: ApiKeyService,
  /** Enables cookie sessions (see cookie-session.ts) for this origin. */
  publicUrl?: string,
  authz: AuthenticatorAuthz = {},
): Authenticator {
  const authorizer = authz.authorizer ?? builtInAuthorizer();
  const { decideRequirement, decidePermission } = createPermissionDecision(
    authorizer,
    authz.environment,
  );
  const { authenticate, authenticateApiKey } = createCredentialCheck({
    verifier,
    events,
    revocations,
    apiKeys,
    publicOrigin: publicUrl === undefined ? undefined : new URL(publicUrl).origin,
  });

  /** Records an authenticated caller refused by authorization, and builds the refusal. */
  async function denied(
    request: FastifyRequest,
    needs: {
      roles?: readonly RoleName[];
      permission?: string;
      reason?: string;
      resource?: string;
    },
    detail: string | undefined,
  ): Promise<RampartError> {
    const p = request.principal;
    await events.publish({
      type: 'authz.denied',
      outcome: 'denied',
      actor:
        p?.kind === 'api_key'
          ? { kind: 'api_key', id: p.keyId, ip: request.ip }
          : { kind: p ? 'user' : 'anonymous', ...(p ? { id: p.id } : {}), ip: request.ip },
      target: { type: 'route', id: `${request.method} ${request.routeOptions.url ?? ''}` },
      requestId: String(request.id),
      details: { ...needs, roles: p ? [...authorizer.rolesOf(p.id, p.roles)] : [] },
    });
    return new RampartError(identityErrors.permission_denied, {
      ...(detail ? { detail } : {}),
      context: { needs: needs.permission ?? needs.roles },
    });
  }

  const immediate = { verifier, revocations, apiKeys };

  /**
   * Sets `request.principal`, then calls `next`: at once when {@link authenticateNow}
   * decides in memory (no promise on the common path), else through `authenticate`.
   */
  function authenticateThen(
    request: FastifyRequest,
    reply: FastifyReply,
    next: (error?: Error) => void,
  ): void {
    if (request.principal) {
      next();
      return;
    }
    let now: ImmediateAuthentication | undefined;
    try {
      now = authenticateNow(request, immediate);
    } catch {
      // The asynchronous path decides again, and turns the failure into its refusal.
      now = undefined;
    }
    if (now?.principal) {
      request.principal = now.principal;
      bindLogPrincipal(request, now.principal);
      next();
      return;
    }
    const pending = now?.apiKey
      ? authenticateApiKey(request, now.apiKey.key, now.apiKey.result)
      : authenticate(request, reply);
    pending.then(() => next(), next);
  }

  // The guards below are callback-style preHandlers: an async function costs promises on
  // every request, for a decision that is almost always made in memory.
  const requireUser: preHandlerHookHandler = markCallerGuard(
    function requireUser(request, reply, done) {
      authenticateThen(request, reply, (error) => {
        if (error) return done(error);
        if (request.principal?.kind !== 'user')
          return done(new RampartError(apiKeyErrors.user_token_required));
        done();
      });
    },
  );

  const requireCaller: preHandlerHookHandler = markCallerGuard(
    function requireCaller(request, reply, done) {
      authenticateThen(request, reply, done);
    },
  );

  return {
    requireUser,
    requireCaller,
    principalOf(request) {
      const principal = request.principal;
      if (principal?.kind !== 'user') throw new Error('route reached without user authentication');
      return principal;
    },
    callerOf(request) {
      if (!request.principal) throw new Error('route reached without authentication');
      return request.principal;
    },
    async revokeToken(principal) {
      await revocations.revokeToken(principal.tokenId);
    },
    requireRole(...roles: RoleName[]) {
      return markCallerGuard<preHandlerHookHandler>(function requireRole(request, reply, done) {
        requireUser.call(this, request, reply, (error) => {
          if (error) return done(error);
          const p = request.principal;
          // A custom role inheriting a required role qualifies too. Any error denies.
          let holds = false;
          try {
            const held = p ? authorizer.rolesOf(p.id, p.roles) : [];
            holds = roles.some((want) => authorizer.holdsRole(held, want));
          } catch {
            holds = false;
          }
          if (holds) return done();
          denied(request, { roles }, undefined).then(done, done);
        });
      });
    },
    requireSignature(permission?: string) {
      // Split once here, not on every request.
      const required = permission === undefined ? undefined : requirementOf(permission);
      return markCallerGuard<preHandlerAsyncHookHandler>(
        async function requireSignature(request, reply) {
          if (request.headers['x-signature'] === undefined && !hasMessageSignature(request)) {
            throw new RampartError(apiKeyErrors.signature_required);
          }
          await authenticate(request, reply);
          const principal = request.principal;
          if (principal?.kind !== 'api_key' || !principal.signed) {
            throw new RampartError(apiKeyErrors.signature_required);
          }
          if (permission !== undefined && required !== undefined) {
            const decision = decideRequirement(request, required);
            if (!decision.allowed)
              throw await denied(
                request,
                { permission, reason: decision.reason },
                `This operation needs the permission ${permission}.`,
              );
          }
        },
      );
    },
    requirePermission(permission: string, options: PermissionOptions = {}) {
      const resourceOf = options.resource;
      const required = requirementOf(permission);
      return markCallerGuard<preHandlerHookHandler>(
        function requirePermission(request, reply, done) {
          authenticateThen(request, reply, (error) => {
            if (error) return done(error);
            let resource: AuthzResource | undefined;
            let decision: Decision;
            try {
              resource = resourceOf?.(request);
              decision = decideRequirement(request, required, resource);
            } catch {
              decision = errorDecision;
            }
            if (decision.allowed) return done();
            denied(
              request,
              {
                permission,
                reason: decision.reason,
                ...(resource ? { resource: `${resource.type}:${resource.id}` } : {}),
              },
              `This operation needs the permission ${permission}.`,
            ).then(done, done);
          });
        },
      );
    },
    decide: decidePermission,
  };
}
