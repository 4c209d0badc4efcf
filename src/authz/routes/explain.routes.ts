import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Authenticator } from '../../identity/authenticate.js';
import { explain } from '../explain.js';
import type { AuthzContext, AuthzPrincipal } from '../model.js';
import type { PolicyService } from '../policy-service.js';
import { CheckRequest, ExplainResult } from '../schemas.js';

export interface ExplainRoutesOptions {
  auth: Pick<Authenticator, 'requirePermission'>;
  policy: PolicyService;
}

/**
 * `POST /v1/authz/explain` (`authz:explain`): the decision for a principal, action and
 * resource with its reasons: the roles held and through which inheritance, the
 * permissions that cover the action, the environment matrix, API-key scopes, and every
 * grant that addresses the request with the condition it failed.
 */
export const explainRoutes: FastifyPluginAsyncTypebox<ExplainRoutesOptions> = async (
  app,
  { auth, policy },
) => {
  app.post(
    '/v1/authz/explain',
    {
      preHandler: auth.requirePermission('authz:explain'),
      schema: {
        tags: ['authz'],
        summary: 'Why a principal may or may not perform an action on a resource',
        security: [{ bearerAuth: [] }],
        body: CheckRequest,
        response: { 200: ExplainResult },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const b = request.body;
      const principal: AuthzPrincipal = {
        kind: b.principal.kind,
        id: b.principal.id,
        roles: policy.rolesOf(b.principal.id, b.principal.roles),
        ...(b.principal.scopes ? { scopes: b.principal.scopes } : {}),
      };
      const c = b.context ?? {};
      const context: AuthzContext = {
        ...(c.ip !== undefined ? { ip: c.ip } : {}),
        ...(c.environment !== undefined ? { environment: c.environment } : {}),
        ...(c.attributes !== undefined ? { attributes: c.attributes } : {}),
      };
      return explain(
        policy.policy,
        (p, action, resource, ctx) => policy.decide(p, action, resource, ctx),
        principal,
        b.action,
        b.resource,
        context,
      );
    },
  );
};
