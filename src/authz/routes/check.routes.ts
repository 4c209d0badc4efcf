import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import type { Authenticator } from '../../identity/authenticate.js';
import type { AuthzContext, AuthzPrincipal, Decision } from '../model.js';
import type { DecideFunction } from '../policy-store.js';
import { CheckBatchRequest, CheckBatchResult, CheckRequest, CheckResult } from '../schemas.js';

export interface AuthzRoutesOptions {
  auth: Pick<Authenticator, 'requirePermission'>;
  decide: DecideFunction;
  /** Told of every denial answered (src/authz/denial-events.ts turns them into events). */
  onDenied?: (request: FastifyRequest, denials: DeniedCheck[]) => void;
}

/** A check the engine denied, as reported to `onDenied`. */
export interface DeniedCheck {
  principal: { kind: 'user' | 'service_account' | 'api_key'; id: string };
  action: string;
  resource: { type: string; id: string };
  reason: string;
}

function deniedCheck(check: Check, decision: Decision): DeniedCheck {
  return {
    principal: { kind: check.principal.kind, id: check.principal.id },
    action: check.action,
    resource: { type: check.resource.type, id: check.resource.id },
    reason: decision.reason,
  };
}

type Check = Static<typeof CheckRequest>;

/** One check through the engine; never throws (the engine fails closed). */
function runCheck(decide: DecideFunction, check: Check): Decision {
  const p = check.principal;
  const principal: AuthzPrincipal = {
    kind: p.kind,
    id: p.id,
    roles: p.roles,
    ...(p.scopes ? { scopes: p.scopes } : {}),
  };
  const c = check.context ?? {};
  // The clock is the server's: `now` is never taken from the request.
  const context: AuthzContext = {
    ...(c.ip !== undefined ? { ip: c.ip } : {}),
    ...(c.environment !== undefined ? { environment: c.environment } : {}),
    ...(c.attributes !== undefined ? { attributes: c.attributes } : {}),
  };
  try {
    return decide(principal, check.action, check.resource, context);
  } catch {
    return { allowed: false, reason: 'error', matched: null };
  }
}

/**
 * The decision API for other services: `POST /v1/authz/check` and
 * `POST /v1/authz/check-batch` (up to 100 checks). The caller must hold `authz:check`.
 * A denial is an answer (200 with `allowed: false` and its reason), not an error.
 */
export const authzRoutes: FastifyPluginAsyncTypebox<AuthzRoutesOptions> = async (
  app,
  { auth, decide, onDenied },
) => {
  const guard = auth.requirePermission('authz:check');
  const security = [{ bearerAuth: [] }];

  app.post(
    '/v1/authz/check',
    {
      preHandler: guard,
      schema: {
        tags: ['authz'],
        summary: 'Decide whether a principal may perform an action on a resource',
        security,
        body: CheckRequest,
        response: { 200: CheckResult },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const decision = runCheck(decide, request.body);
      if (!decision.allowed && onDenied) onDenied(request, [deniedCheck(request.body, decision)]);
      return decision;
    },
  );

  app.post(
    '/v1/authz/check-batch',
    {
      preHandler: guard,
      schema: {
        tags: ['authz'],
        summary: 'Up to 100 authorization decisions in one call, in order',
        security,
        body: CheckBatchRequest,
        response: { 200: CheckBatchResult },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const results = request.body.checks.map((check) => runCheck(decide, check));
      if (onDenied) {
        const denied: DeniedCheck[] = [];
        results.forEach((decision, i) => {
          const check = request.body.checks[i];
          if (!decision.allowed && check) denied.push(deniedCheck(check, decision));
        });
        if (denied.length > 0) onDenied(request, denied);
      }
      return { results };
    },
  );
};
