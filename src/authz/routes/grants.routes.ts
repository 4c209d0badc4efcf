import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { RampartError } from '../../errors/rampart-error.js';
import { requestContext } from '../../identity/authenticate.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import { authzErrors } from '../errors.js';
import { GrantBody, GrantJson } from '../grant-schemas.js';
import type { Grant, GrantConditions } from '../model.js';
import { Pagination } from '../schemas.js';
import type { StoredGrant } from '../store.js';
import { grantJson } from '../stored-policy.js';
import { callerActor } from './caller-actor.js';
import type { PolicyRoutesOptions } from './roles.routes.js';

const GrantParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);

const GrantQuery = Type.Object(
  {
    ...Pagination.properties,
    resourceType: Type.Optional(Type.String({ maxLength: 40 })),
    principal: Type.Optional(Type.String({ maxLength: 128 })),
    role: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

// The stored conditions were validated against GrantConditionsSchema when added.
const toJson = (g: StoredGrant) => grantJson(g) as Static<typeof GrantJson>;

/** Resource-level grants (`authz:read`, `authz:write`). */
export const grantRoutes: FastifyPluginAsyncTypebox<PolicyRoutesOptions> = async (
  app,
  { auth, policy },
) => {
  const read = auth.requirePermission('authz:read');
  const write = auth.requirePermission('authz:write');
  const security = [{ bearerAuth: [] }];

  app.get(
    '/v1/authz/grants',
    {
      preHandler: read,
      schema: {
        tags: ['authz'],
        summary: 'Grants by id, optionally for one resource type, principal or role (paginated)',
        security,
        querystring: GrantQuery,
        response: {
          200: Type.Object({
            items: Type.Array(GrantJson),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const matching = policy.stored.grants
        .filter(
          (g) =>
            (q.resourceType === undefined || g.resourceType === q.resourceType) &&
            (q.principal === undefined ||
              (g.subject.kind === 'principal' && g.subject.id === q.principal)) &&
            (q.role === undefined || (g.subject.kind === 'role' && g.subject.name === q.role)) &&
            (q.after === undefined || g.id > q.after),
        )
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const items = matching.slice(0, q.limit);
      return {
        items: items.map(toJson),
        next: matching.length > q.limit ? (items.at(-1)?.id ?? null) : null,
      };
    },
  );

  app.get(
    '/v1/authz/grants/:id',
    {
      preHandler: read,
      schema: {
        tags: ['authz'],
        summary: 'One grant',
        security,
        params: GrantParams,
        response: { 200: GrantJson },
      },
    },
    async (request) => {
      const grant = policy.stored.grants.find((g) => g.id === request.params.id);
      if (!grant) throw new RampartError(authzErrors.authz_grant_not_found);
      return toJson(grant);
    },
  );

  app.post(
    '/v1/authz/grants',
    {
      preHandler: write,
      schema: {
        tags: ['authz'],
        summary: 'Add a grant (allow or deny, with conditions); in force on every node at once',
        security,
        body: GrantBody,
        response: { 201: GrantJson },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const grant: Grant = {
        id: b.id ?? uuidv7(),
        subject:
          'principal' in b.subject
            ? { kind: 'principal', id: b.subject.principal }
            : { kind: 'role', name: b.subject.role },
        resourceType: b.resourceType,
        resourceId: b.resourceId,
        actions: b.actions,
        effect: b.effect,
        ...(b.conditions ? { conditions: b.conditions as GrantConditions } : {}),
      };
      const stored = await policy.addGrant(
        grant,
        callerActor(auth, request),
        requestContext(request),
      );
      return reply.code(201).send(toJson(stored));
    },
  );

  app.delete(
    '/v1/authz/grants/:id',
    {
      preHandler: write,
      schema: {
        tags: ['authz'],
        summary: 'Remove a grant',
        security,
        params: GrantParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await policy.deleteGrant(
        request.params.id,
        callerActor(auth, request),
        requestContext(request),
      );
      return reply.code(204).send(null);
    },
  );
};
