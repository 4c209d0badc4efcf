import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import type { Authenticator } from '../../identity/authenticate.js';
import type { AuthzContext, AuthzPrincipal, Decision } from '../model.js';
import type { DecideFunction } from '../policy-store.js';
import { CheckBatchRequest, CheckBatchResult, CheckRequest, CheckResult } from '../schemas.js';

export interface AuthzRoutesOptions {
  auth: Pick<Authenticator, 'requirePermission'>;
  decide: DecideFunction;
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
  { auth, decide },
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
      return runCheck(decide, request.body);
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
      return { results: request.body.checks.map((check) => runCheck(decide, check)) };
    },
  );
};
