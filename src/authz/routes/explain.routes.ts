import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { RampartError } from '../../errors/rampart-error.js';
import type { Authenticator } from '../../identity/authenticate.js';
import { authzErrors } from '../errors.js';
import { explain } from '../explain.js';
import type { AuthzContext, AuthzPrincipal } from '../model.js';
import type { PolicyService } from '../policy-service.js';
import { CheckRequest, ExplainResult } from '../schemas.js';

export interface ExplainRoutesOptions {
  auth: Pick<Authenticator, 'requirePermission'>;
  policy: PolicyService;
  /** A stored principal's kind and built-in roles (accounts, service accounts), for GET. */
  principalOf?: (
    id: string,
  ) => Promise<{ kind: 'user' | 'service_account'; roles: readonly string[] } | undefined>;
}

const ExplainQuery = Type.Object(
  {
    principal: Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'Account or service account id.',
    }),
    action: Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' }),
    resourceType: Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' }),
    resourceId: Type.String({ minLength: 1, maxLength: 256, default: '*' }),
    ip: Type.Optional(Type.String({ maxLength: 64 })),
    environment: Type.Optional(
      Type.Union([
        Type.Literal('development'),
        Type.Literal('staging'),
        Type.Literal('production'),
      ]),
    ),
  },
  { additionalProperties: false },
);

/**
 * `POST /v1/authz/explain` (`authz:explain`): the decision for a principal, action and
 * resource with its reasons: the roles held and through which inheritance, the
 * permissions that cover the action, the environment matrix, API-key scopes, and every
 * grant that addresses the request with the condition it failed.
 */
export const explainRoutes: FastifyPluginAsyncTypebox<ExplainRoutesOptions> = async (
  app,
  { auth, policy, principalOf },
) => {
  if (principalOf) {
    // The same question for a stored principal by id: its roles are looked up, so an
    // operator asks "why can this account do that" without knowing them.
    app.get(
      '/v1/authz/explain',
      {
        preHandler: auth.requirePermission('authz:explain'),
        schema: {
          tags: ['authz'],
          summary: 'Why a stored account or service account may or may not perform an action',
          security: [{ bearerAuth: [] }],
          querystring: ExplainQuery,
          response: { 200: ExplainResult },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const q = request.query;
        const found = await principalOf(q.principal);
        if (!found) throw new RampartError(authzErrors.authz_principal_not_found);
        const principal: AuthzPrincipal = {
          kind: found.kind,
          id: q.principal,
          roles: policy.rolesOf(q.principal, found.roles),
        };
        const context: AuthzContext = {
          ...(q.ip !== undefined ? { ip: q.ip } : {}),
          ...(q.environment !== undefined ? { environment: q.environment } : {}),
        };
        return explain(
          policy.policy,
          (p, action, resource, ctx) => policy.decide(p, action, resource, ctx),
          principal,
          q.action,
          { type: q.resourceType, id: q.resourceId },
          context,
        );
      },
    );
  }
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
