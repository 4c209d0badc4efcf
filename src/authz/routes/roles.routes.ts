import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { RampartError } from '../../errors/rampart-error.js';
import { type Authenticator, requestContext } from '../../identity/authenticate.js';
import { rolePermissions } from '../../identity/core/permissions.js';
import { authzErrors } from '../errors.js';
import { builtInRoles } from '../model.js';
import type { PolicyService } from '../policy-service.js';
import { RoleBody, RoleJson, RoleParams } from '../role-schemas.js';
import { Pagination } from '../schemas.js';
import { roleJson } from '../stored-policy.js';
import { callerActor } from './caller-actor.js';

export interface PolicyRoutesOptions {
  auth: Authenticator;
  policy: PolicyService;
}

const builtInParents: Record<string, string[]> = {
  ADMIN: ['DEVELOPER'],
  DEVELOPER: ['VIEWER'],
  VIEWER: [],
};

function builtInJson(name: (typeof builtInRoles)[number]) {
  return {
    name,
    description: null,
    builtIn: true,
    inherits: builtInParents[name] ?? [],
    permissions: [...rolePermissions[name]],
    createdAt: null,
    updatedAt: null,
  };
}

/** Roles: the built-in ones and custom roles with inheritance (`authz:read`, `authz:write`). */
export const roleRoutes: FastifyPluginAsyncTypebox<PolicyRoutesOptions> = async (
  app,
  { auth, policy },
) => {
  const read = auth.requirePermission('authz:read');
  const write = auth.requirePermission('authz:write');
  const security = [{ bearerAuth: [] }];
  const all = () => [
    ...builtInRoles.map(builtInJson),
    ...policy.stored.roles.map((r) => ({ ...roleJson(r), builtIn: false })),
  ];

  app.get(
    '/v1/authz/roles',
    {
      preHandler: read,
      schema: {
        tags: ['authz'],
        summary: 'Roles, built-in and custom, by name (paginated)',
        security,
        querystring: Pagination,
        response: {
          200: Type.Object({
            items: Type.Array(RoleJson),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const { limit, after } = request.query;
      const sorted = all().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const from = after === undefined ? sorted : sorted.filter((r) => r.name > after);
      const items = from.slice(0, limit);
      return { items, next: from.length > limit ? (items.at(-1)?.name ?? null) : null };
    },
  );

  app.get(
    '/v1/authz/roles/:name',
    {
      preHandler: read,
      schema: {
        tags: ['authz'],
        summary: 'One role: what it inherits and its own permissions',
        security,
        params: RoleParams,
        response: { 200: RoleJson },
      },
    },
    async (request) => {
      const role = all().find((r) => r.name === request.params.name);
      if (!role) throw new RampartError(authzErrors.authz_role_not_found);
      return role;
    },
  );

  app.put(
    '/v1/authz/roles/:name',
    {
      preHandler: write,
      schema: {
        tags: ['authz'],
        summary:
          'Create or replace a custom role; in force on every node at once. A cycle is refused (authz_role_cycle)',
        security,
        params: RoleParams,
        body: RoleBody,
        response: { 200: RoleJson, 201: RoleJson },
      },
    },
    async (request, reply) => {
      const ctx = requestContext(request);
      const existed = policy.stored.roles.some((r) => r.name === request.params.name);
      const role = await policy.putRole(
        {
          name: request.params.name,
          description: request.body.description ?? null,
          inherits: request.body.inherits,
          permissions: request.body.permissions,
        },
        callerActor(auth, request),
        ctx,
      );
      return reply.code(existed ? 200 : 201).send({ ...roleJson(role), builtIn: false });
    },
  );

  app.delete(
    '/v1/authz/roles/:name',
    {
      preHandler: write,
      schema: {
        tags: ['authz'],
        summary:
          'Delete a custom role and its assignments (refused while a role inherits it or a grant names it)',
        security,
        params: RoleParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const ctx = requestContext(request);
      await policy.deleteRole(request.params.name, callerActor(auth, request), ctx);
      return reply.code(204).send(null);
    },
  );
};
