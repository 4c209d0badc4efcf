import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type Authenticator, requestContext } from '../identity/authenticate.js';
import { userActor } from '../identity/core/request-context.js';
import type { RateLimitRuleService, StoredRateLimitRule } from './rate-limit-rules.js';

const KeyPart = Type.Union([
  Type.Literal('ip'),
  Type.Literal('user'),
  Type.Literal('apiKey'),
  Type.Literal('route'),
]);

const RuleSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    method: Type.String(),
    url: Type.String(),
    limit: Type.Integer(),
    window: Type.Integer(),
    key: Type.Array(KeyPart),
    createdBy: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const NewRule = Type.Object(
  {
    name: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$' })),
    method: Type.String({ default: '*', pattern: '^(\\*|[A-Za-z]{3,7})$' }),
    url: Type.String({ minLength: 1, maxLength: 512, pattern: '^/' }),
    limit: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    window: Type.Integer({ default: 60, minimum: 1, maximum: 86_400 }),
    key: Type.Array(KeyPart, { default: ['ip'], minItems: 1, maxItems: 4, uniqueItems: true }),
  },
  { additionalProperties: false },
);

function ruleJson(r: StoredRateLimitRule) {
  return {
    id: r.id,
    name: r.name,
    method: r.method,
    url: r.url,
    limit: r.limit,
    window: r.window,
    key: [...r.key],
    createdBy: r.createdBy,
    createdAt: new Date(r.createdAt).toISOString(),
  };
}

export interface RateLimitRuleRoutesOptions {
  rules: RateLimitRuleService;
  auth: Authenticator;
}

/** Rate-limit policies managed at run time (ADMIN); they take effect on every node. */
export const rateLimitRuleRoutes: FastifyPluginAsyncTypebox<RateLimitRuleRoutesOptions> = async (
  app,
  { rules, auth },
) => {
  const adminOnly = auth.requireRole('ADMIN');
  const security = [{ bearerAuth: [] }];

  app.get(
    '/v1/admin/rate-limits',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Rate-limit policies added through the API (ahead of the configured ones)',
        security,
        response: { 200: Type.Object({ items: Type.Array(RuleSchema) }) },
      },
    },
    async () => ({ items: (await rules.list()).map(ruleJson) }),
  );

  app.post(
    '/v1/admin/rate-limits',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Add a rate-limit policy; it applies on every node at once',
        security,
        body: NewRule,
        response: { 201: RuleSchema },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const ctx = requestContext(request);
      const b = request.body;
      const rule = await rules.add(
        {
          ...(b.name === undefined ? {} : { name: b.name }),
          method: b.method,
          url: b.url,
          limit: b.limit,
          window: b.window,
          key: b.key,
        },
        userActor(principal.id, ctx),
        ctx,
      );
      return reply.code(201).send(ruleJson(rule));
    },
  );

  app.delete(
    '/v1/admin/rate-limits/:id',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Remove a rate-limit policy added through the API',
        security,
        params: Type.Object(
          { id: Type.String({ minLength: 1, maxLength: 64 }) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const ctx = requestContext(request);
      await rules.remove(request.params.id, userActor(principal.id, ctx), ctx);
      return reply.code(204).send(null);
    },
  );
};
