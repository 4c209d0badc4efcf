import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { RoleSchema } from '../../config/schema.js';
import type { EventActor } from '../../events/security-event.js';
import type { ServiceAccountRecord } from '../api-key-store.js';
import { type Authenticator, requestContext } from '../authenticate.js';
import type { ApiKeyService } from '../core/api-key-service.js';
import { userActor } from '../core/request-context.js';
import { IdParams } from '../schemas.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

const ServiceAccountSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    roles: Type.Array(RoleSchema),
    createdAt: Type.String({ format: 'date-time' }),
    disabledAt: NullableTime,
  },
  { additionalProperties: false },
);

const CreateServiceAccountBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    roles: Type.Array(RoleSchema, { maxItems: 3, uniqueItems: true }),
  },
  { additionalProperties: false },
);

function serviceAccountJson(s: ServiceAccountRecord): Static<typeof ServiceAccountSchema> {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    roles: s.roles,
    createdAt: new Date(s.createdAt).toISOString(),
    disabledAt: iso(s.disabledAt),
  };
}

export interface ServiceAccountRoutesOptions {
  apiKeys: ApiKeyService;
  auth: Authenticator;
}

/**
 * Service accounts (/v1/service-accounts), administrators only: non-human principals
 * that own API keys. Their keys are issued and listed under /v1/api-keys.
 *
 * @example
 * await app.register(serviceAccountRoutes, { apiKeys, auth });
 */
export const serviceAccountRoutes: FastifyPluginAsyncTypebox<ServiceAccountRoutesOptions> = async (
  app,
  { apiKeys, auth },
) => {
  const security = [{ bearerAuth: [] }];
  const adminOnly = auth.requireRole('ADMIN');

  function actorOf(id: string, request: Parameters<typeof requestContext>[0]): EventActor {
    return userActor(id, requestContext(request));
  }

  app.post(
    '/v1/service-accounts',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['service-accounts'],
        summary: 'Create a service account (a non-human principal that owns API keys)',
        security,
        body: CreateServiceAccountBody,
        response: { 201: ServiceAccountSchema },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const sa = await apiKeys.createServiceAccount(
        {
          name: request.body.name,
          description: request.body.description ?? null,
          roles: request.body.roles,
        },
        actorOf(principal.id, request),
        requestContext(request),
      );
      return reply.code(201).send(serviceAccountJson(sa));
    },
  );

  app.get(
    '/v1/service-accounts',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['service-accounts'],
        summary: 'Service accounts',
        security,
        response: { 200: Type.Object({ items: Type.Array(ServiceAccountSchema) }) },
      },
    },
    async () => ({ items: (await apiKeys.listServiceAccounts()).map(serviceAccountJson) }),
  );

  app.get(
    '/v1/service-accounts/:id',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['service-accounts'],
        summary: 'One service account',
        security,
        params: IdParams,
        response: { 200: ServiceAccountSchema },
      },
    },
    async (request) => serviceAccountJson(await apiKeys.getServiceAccount(request.params.id)),
  );

  app.delete(
    '/v1/service-accounts/:id',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['service-accounts'],
        summary: 'Disable a service account and revoke all its keys',
        security,
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      await apiKeys.disableServiceAccount(
        request.params.id,
        actorOf(principal.id, request),
        requestContext(request),
      );
      return reply.code(204).send(null);
    },
  );
};
