import type {
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import { type Authorizer, builtInAuthorizer } from '../authz/authorizer.js';
import type { AuthzContext, AuthzResource, Decision, Environment } from '../authz/model.js';
import type { RoleName } from '../config/schema.js';
import { isRampartError, RampartError } from '../errors/rampart-error.js';
import type { EventPublisher } from '../events/event-bus.js';
import { bindLogPrincipal } from '../monitor/logging/log-context.js';
import { bodyDigest } from '../shared/sign-request.js';
import { apiKeyErrors } from './api-key-errors.js';
import {
  apiKeyPrincipal,
  authenticateNow,
  bearerToken,
  type ImmediateAuthentication,
  userPrincipal,
} from './authenticate-now.js';
import { accessCookie, assertSameOrigin, cookieOf } from './cookie-session.js';
import type { AccessTokenVerifier } from './core/access-token-verifier.js';
import type { ApiKeyService } from './core/api-key-service.js';
import type { ApiKeyVerification } from './core/api-key-verification.js';
import { anyCovers } from './core/permissions.js';
import type { RevocationList } from './core/revocation-list.js';
import { identityErrors } from './errors.js';
import { checkMessageSignature, hasMessageSignature } from './message-signature.js';
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

const errorDecision: Decision = Object.freeze({ allowed: false, reason: 'error', matched: null });

/** A required permission split once, when its guard is made, not on every request. */
interface Requirement {
  permission: string;
  /** The action after the colon. */
  action: string;
  /** `{ type, id: '*' }`; undefined for a wildcard requirement or one without a colon. */
  anyOfType: AuthzResource | undefined;
}

function requirementOf(permission: string): Requirement {
  const colon = permission.indexOf(':');
  if (colon === -1 || permission.includes('*')) {
    return { permission, action: '', anyOfType: undefined };
  }
  return {
    permission,
    action: permission.slice(colon + 1),
    anyOfType: Object.freeze({ type: permission.slice(0, colon), id: '*' }),
  };
}

export function requestContext(request: FastifyRequest) {
  const ua = request.headers['user-agent'];
  return {
    ip: request.ip,
    requestId: String(request.id),
    ...(typeof ua === 'string' ? { userAgent: ua.slice(0, 512) } : {}),
  };
}

const emptyDigest = bodyDigest(undefined);

const inactiveKey =
  'The API key is not valid: unknown, revoked, expired or past its rotation grace.';
const apiKeyReasons = {
  malformed: 'The value is not a Rampart API key.',
  bad_checksum: 'The key fails its checksum: a typo or a truncated copy.',
  // The rest get one sentence: which of them applies is for the owner's audit trail, not
  // for whoever holds the string.
  unknown: inactiveKey,
  revoked: inactiveKey,
  expired: inactiveKey,
  grace_ended: inactiveKey,
  owner_disabled: inactiveKey,
  source_denied: inactiveKey,
} as const;

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
  const environment = authz.environment;

  /**
   * The engine's decision on a requirement for the request's principal. Rampart's own
   * routes have no resource ids unless a guard names one: `*` matches the role
   * permissions and any-id grants only. Any error denies.
   */
  function decideRequirement(
    request: FastifyRequest,
    required: Requirement,
    resource?: AuthzResource,
  ): Decision {
    try {
      const p = request.principal;
      if (!p) return errorDecision;
      const permission = required.permission;
      if (required.anyOfType === undefined) {
        // A wildcard requirement (`orders:*` in a gateway route) is not one action the
        // engine can decide: it needs a wildcard permission, by the matching rules.
        const held = authorizer.permissionsOf(p.id, p.roles);
        const allowed =
          anyCovers(held, permission) && (p.kind !== 'api_key' || anyCovers(p.scopes, permission));
        return allowed
          ? { allowed: true, reason: 'allowed_by_role:*', matched: { permission } }
          : errorDecision;
      }
      const roles = authorizer.rolesOf(p.id, p.roles);
      const principal = roles === p.roles ? p : { ...p, roles };
      const context: AuthzContext =
        environment === undefined ? { ip: request.ip } : { ip: request.ip, environment };
      return authorizer.decide(principal, required.action, resource ?? required.anyOfType, context);
    } catch {
      return errorDecision;
    }
  }

  function decidePermission(
    request: FastifyRequest,
    permission: string,
    resource?: AuthzResource,
  ): Decision {
    return decideRequirement(request, requirementOf(permission), resource);
  }

  const publicOrigin = publicUrl === undefined ? undefined : new URL(publicUrl).origin;
  async function reject(request: FastifyRequest, refusal: RampartError, apiKeyId?: string) {
    const isKey = refusal.code === 'invalid_api_key' || refusal.code === 'api_key_source_denied';
    const isSignature = refusal.code.startsWith('signature_');
    await events.publish({
      type:
        refusal.code === 'signature_replayed'
          ? 'signature.replayed'
          : isSignature
            ? 'signature.rejected'
            : isKey
              ? 'apikey.rejected'
              : 'auth.token.rejected',
      outcome: isKey || isSignature ? 'denied' : 'failure',
      actor: { kind: 'anonymous', ip: request.ip },
      ...(apiKeyId ? { target: { type: 'api_key', id: apiKeyId } } : {}),
      requestId: String(request.id),
      details: { reason: refusal.context?.reason ?? 'unknown' },
    });
    return refusal;
  }

  async function authenticateSigned(request: FastifyRequest): Promise<void> {
    const h = request.headers;
    const part = (name: string) => {
      const v = h[name];
      return typeof v === 'string' ? v : '';
    };
    if (!apiKeys) {
      throw await reject(
        request,
        new RampartError(apiKeyErrors.signature_invalid, { context: { reason: 'disabled' } }),
      );
    }
    let result: Awaited<ReturnType<ApiKeyService['verifySigned']>>;
    if (hasMessageSignature(request)) {
      const checked = checkMessageSignature(request, Date.now());
      if (!checked.ok) {
        const code = checked.expired ? 'signature_expired' : 'signature_invalid';
        throw await reject(
          request,
          new RampartError(apiKeyErrors[code], { context: { reason: checked.reason } }),
          checked.keyId,
        );
      }
      try {
        result = await apiKeys.verifySignedWith({ ...checked.input, ip: request.ip });
      } catch (error) {
        throw await reject(
          request,
          new RampartError(apiKeyErrors.signature_invalid, {
            context: { reason: 'verifier_error' },
            cause: error,
          }),
        );
      }
      return finishSigned(request, result);
    }
    const q = request.url.indexOf('?');
    const input = {
      keyId: part('x-key-id'),
      timestamp: part('x-timestamp'),
      nonce: part('x-nonce'),
      signature: part('x-signature'),
      method: request.method,
      path: q === -1 ? request.url : request.url.slice(0, q),
      query: q === -1 ? '' : request.url.slice(q + 1),
      // No parser ran (no body): the digest of the empty string.
      bodySha256: request.bodySha256 ?? emptyDigest,
      ip: request.ip,
    };
    try {
      result = await apiKeys.verifySigned(input);
    } catch (error) {
      throw await reject(
        request,
        new RampartError(apiKeyErrors.signature_invalid, {
          context: { reason: 'verifier_error' },
          cause: error,
        }),
      );
    }
    return finishSigned(request, result);
  }

  async function finishSigned(
    request: FastifyRequest,
    result: Awaited<ReturnType<ApiKeyService['verifySigned']>>,
  ): Promise<void> {
    if (!result.ok) {
      const reason = result.reason;
      const error =
        reason === 'signature_invalid' ||
        reason === 'signature_expired' ||
        reason === 'signature_replayed'
          ? new RampartError(apiKeyErrors[reason], { context: { reason } })
          : reason === 'source_denied'
            ? new RampartError(apiKeyErrors.api_key_source_denied, { context: { reason } })
            : new RampartError(apiKeyErrors.invalid_api_key, {
                detail: apiKeyReasons[reason],
                context: { reason },
              });
      throw await reject(request, error, result.keyId);
    }
    request.principal = apiKeyPrincipal(result.key, true);
    bindLogPrincipal(request, request.principal);
  }

  /** `known`: the verification {@link authenticateNow} already made in memory. */
  async function authenticateApiKey(
    request: FastifyRequest,
    key: string,
    known?: ApiKeyVerification,
  ): Promise<void> {
    if (!apiKeys) {
      throw await reject(
        request,
        new RampartError(apiKeyErrors.invalid_api_key, { context: { reason: 'disabled' } }),
      );
    }
    let result: Awaited<ReturnType<ApiKeyService['verify']>>;
    try {
      result = known ?? (await apiKeys.verify(key, request.ip));
    } catch (error) {
      throw await reject(
        request,
        new RampartError(apiKeyErrors.invalid_api_key, {
          context: { reason: 'verifier_error' },
          cause: error,
        }),
      );
    }
    if (!result.ok) {
      const error =
        result.reason === 'source_denied'
          ? new RampartError(apiKeyErrors.api_key_source_denied, {
              context: { reason: result.reason },
            })
          : new RampartError(apiKeyErrors.invalid_api_key, {
              detail: apiKeyReasons[result.reason],
              context: { reason: result.reason },
              headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
            });
      throw await reject(request, error, result.keyId);
    }
    request.principal = apiKeyPrincipal(result.key, false);
    bindLogPrincipal(request, request.principal);
  }

  async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (request.principal) return;
    const header = request.headers.authorization;
    const apiKeyHeader = request.headers['x-api-key'];
    if (request.headers['x-signature'] !== undefined || hasMessageSignature(request)) {
      if (header !== undefined || apiKeyHeader !== undefined) {
        throw new RampartError(apiKeyErrors.ambiguous_credentials);
      }
      return authenticateSigned(request);
    }
    if (apiKeyHeader !== undefined) {
      if (header !== undefined) throw new RampartError(apiKeyErrors.ambiguous_credentials);
      return authenticateApiKey(
        request,
        typeof apiKeyHeader === 'string' ? apiKeyHeader.trim() : '',
      );
    }
    let token: string | undefined;
    if (typeof header !== 'string' || header.length === 0) {
      // A browser session: the access token in its cookie, from this origin only.
      const fromCookie = publicOrigin === undefined ? undefined : cookieOf(request, accessCookie);
      if (fromCookie === undefined || publicOrigin === undefined) {
        throw new RampartError(identityErrors.authentication_required, {
          headers: { 'WWW-Authenticate': 'Bearer realm="rampart"' },
        });
      }
      assertSameOrigin(request, publicOrigin);
      token = fromCookie;
    } else token = bearerToken(header);
    if (!token) {
      throw new RampartError(identityErrors.invalid_token, {
        context: { reason: 'not_bearer' },
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_request"' },
      });
    }
    if (token.startsWith('rmp_')) return authenticateApiKey(request, token);
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
      const principal = userPrincipal(claims);
      request.principal = principal;
      bindLogPrincipal(request, principal);
    } catch (error) {
      const refusal = isRampartError(error)
        ? error
        : new RampartError(identityErrors.invalid_token, {
            context: { reason: 'verifier_error' },
            cause: error,
          });
      throw await reject(request, refusal);
    }
  }

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
  const requireUser: preHandlerHookHandler = function requireUser(request, reply, done) {
    authenticateThen(request, reply, (error) => {
      if (error) return done(error);
      if (request.principal?.kind !== 'user')
        return done(new RampartError(apiKeyErrors.user_token_required));
      done();
    });
  };

  const requireCaller: preHandlerHookHandler = function requireCaller(request, reply, done) {
    authenticateThen(request, reply, done);
  };

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
      return function requireRole(request, reply, done) {
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
      };
    },
    requireSignature(permission?: string) {
      return async function requireSignature(request, reply) {
        if (request.headers['x-signature'] === undefined && !hasMessageSignature(request)) {
          throw new RampartError(apiKeyErrors.signature_required);
        }
        await authenticate(request, reply);
        const principal = request.principal;
        if (principal?.kind !== 'api_key' || !principal.signed) {
          throw new RampartError(apiKeyErrors.signature_required);
        }
        if (permission !== undefined) {
          const decision = decidePermission(request, permission);
          if (!decision.allowed)
            throw await denied(
              request,
              { permission, reason: decision.reason },
              `This operation needs the permission ${permission}.`,
            );
        }
      };
    },
    requirePermission(permission: string, options: PermissionOptions = {}) {
      const resourceOf = options.resource;
      const required = requirementOf(permission);
      return function requirePermission(request, reply, done) {
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
      };
    },
    decide: decidePermission,
  };
}
