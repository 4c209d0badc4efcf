import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { RoleSchema } from '../../config/schema.js';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventActor } from '../../events/security-event.js';
import { apiKeyErrors } from '../api-key-errors.js';
import type { ApiKeyRecord, ServiceAccountRecord } from '../api-key-store.js';
import { type Authenticator, requestContext } from '../authenticate.js';
import type { IssuedApiKey } from '../core/api-key-issuer.js';
import type { ApiKeyService } from '../core/api-key-service.js';
import { type ApiKeyOwner, apiKeyStatus } from '../core/api-key-verification.js';
import { permissionPattern } from '../core/permissions.js';
import { userActor } from '../core/request-context.js';
import { IdParams } from '../schemas.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const Scope = Type.String({ pattern: permissionPattern, maxLength: 81 });
const Cidr = Type.String({ minLength: 2, maxLength: 49 });

export const ApiKeySchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    prefix: Type.String({ description: 'The first characters of the key, to recognise it.' }),
    owner: Type.Object({
      kind: Type.Union([Type.Literal('user'), Type.Literal('service_account')]),
      id: Type.String(),
    }),
    scopes: Type.Array(Type.String()),
    allowedCidrs: Type.Array(Type.String()),
    status: Type.Union([
      Type.Literal('active'),
      Type.Literal('grace'),
      Type.Literal('expired'),
      Type.Literal('revoked'),
    ]),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: NullableTime,
    revokedAt: NullableTime,
    replacedBy: Type.Union([Type.String(), Type.Null()]),
    graceUntil: NullableTime,
    lastUsedAt: NullableTime,
    lastUsedIp: Type.Union([Type.String(), Type.Null()]),
    signing: Type.Boolean({ description: 'True when the key has a secret for signed requests.' }),
  },
  { additionalProperties: false },
);

const KeyLookupSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    active: Type.Boolean({ description: 'True while the key authenticates (active or in grace).' }),
    status: ApiKeySchema.properties.status,
    owner: ApiKeySchema.properties.owner,
  },
  { additionalProperties: false },
);

const IssuedApiKeySchema = Type.Object(
  {
    ...ApiKeySchema.properties,
    key: Type.String({ description: 'The key itself. Shown once: store it now.' }),
    signingSecret: Type.Optional(
      Type.String({
        description: 'The HMAC secret for signed requests (when signing was asked). Shown once.',
      }),
    ),
  },
  { additionalProperties: false },
);

const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(Scope, { minItems: 1, maxItems: 50, uniqueItems: true }),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
    allowedCidrs: Type.Optional(Type.Array(Cidr, { maxItems: 50, uniqueItems: true })),
    signing: Type.Optional(
      Type.Boolean({
        description: 'Also issue a secret for signed requests (X-Signature), against replay.',
      }),
    ),
    serviceAccountId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Issue the key to this service account (administrators only).',
      }),
    ),
  },
  { additionalProperties: false },
);

const RotateBody = Type.Object(
  {
    gracePeriod: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2_592_000,
        description: 'Seconds the old key keeps working; default apiKeys.rotationGrace.',
      }),
    ),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    serviceAccountId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    includeRevoked: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

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

export function apiKeyJson(k: ApiKeyRecord, now: number): Static<typeof ApiKeySchema> {
  return {
    id: k.id,
    name: k.name,
    prefix: k.displayPrefix,
    owner: { kind: k.ownerKind, id: k.ownerId },
    scopes: k.scopes,
    allowedCidrs: k.allowedCidrs,
    status: apiKeyStatus(k, now),
    createdAt: new Date(k.createdAt).toISOString(),
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
    replacedBy: k.replacedBy,
    graceUntil: iso(k.graceUntil),
    lastUsedAt: iso(k.lastUsedAt),
    lastUsedIp: k.lastUsedIp,
    signing: k.signingSecretSealed !== null,
  };
}

/** A key just issued: its record, and the secrets shown this once. */
function issuedJson(issued: IssuedApiKey) {
  return {
    ...apiKeyJson(issued.record, Date.now()),
    key: issued.key,
    ...(issued.signingSecret ? { signingSecret: issued.signingSecret } : {}),
  };
}

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

export interface ApiKeyRoutesOptions {
  apiKeys: ApiKeyService;
  auth: Authenticator;
}

/** API keys of people and service accounts, and service accounts themselves. */
export const apiKeyRoutes: FastifyPluginAsyncTypebox<ApiKeyRoutesOptions> = async (
  app,
  { apiKeys, auth },
) => {
  const security = [{ bearerAuth: [] }];
  const adminOnly = auth.requireRole('ADMIN');
  const noStore = 'no-store';

  /** The owner a request names: the caller, or (administrators) a service account. */
  async function ownerFor(
    callerId: string,
    isAdmin: boolean,
    serviceAccountId: string | undefined,
  ): Promise<ApiKeyOwner> {
    if (serviceAccountId === undefined) return { kind: 'user', id: callerId };
    if (!isAdmin) throw new RampartError(apiKeyErrors.service_account_not_found);
    const sa = await apiKeys.getServiceAccount(serviceAccountId);
    if (sa.disabledAt !== null) throw new RampartError(apiKeyErrors.service_account_not_found);
    return { kind: 'service_account', id: sa.id };
  }

  function actorOf(id: string, request: Parameters<typeof requestContext>[0]): EventActor {
    return userActor(id, requestContext(request));
  }

  app.post(
    '/v1/api-keys',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['api-keys'],
        summary: 'Issue an API key (shown once)',
        security,
        body: CreateApiKeyBody,
        response: { 201: IssuedApiKeySchema },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const body = request.body;
      const owner = await ownerFor(
        principal.id,
        principal.roles.includes('ADMIN'),
        body.serviceAccountId,
      );
      const issued = await apiKeys.issue(
        owner,
        {
          name: body.name,
          scopes: body.scopes,
          allowedCidrs: body.allowedCidrs ?? [],
          expiresAt: body.expiresAt === undefined ? null : Date.parse(body.expiresAt),
          signing: body.signing === true,
        },
        actorOf(principal.id, request),
        requestContext(request),
      );
      reply.header('cache-control', noStore);
      return reply.code(201).send(issuedJson(issued));
    },
  );

  app.get(
    '/v1/api-keys',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['api-keys'],
        summary: 'Your API keys (or a service account’s, for administrators)',
        security,
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(ApiKeySchema) }) },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      const owner = await ownerFor(
        principal.id,
        principal.roles.includes('ADMIN'),
        request.query.serviceAccountId,
      );
      const now = Date.now();
      const items = (await apiKeys.list(owner))
        .filter((k) => request.query.includeRevoked === true || apiKeyStatus(k, now) !== 'revoked')
        .map((k) => apiKeyJson(k, now));
      return { items };
    },
  );

  app.get(
    '/v1/api-keys/:id',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['api-keys'],
        summary: 'One API key (never the key itself)',
        security,
        params: IdParams,
        response: { 200: ApiKeySchema },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      const key = await apiKeys.getManageable(request.params.id, {
        id: principal.id,
        isAdmin: principal.roles.includes('ADMIN'),
      });
      return apiKeyJson(key, Date.now());
    },
  );

  app.delete(
    '/v1/api-keys/:id',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key, on every node at once',
        security,
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const key = await apiKeys.getManageable(request.params.id, {
        id: principal.id,
        isAdmin: principal.roles.includes('ADMIN'),
      });
      const reason =
        key.ownerKind === 'user' && key.ownerId === principal.id
          ? 'revoked_by_owner'
          : 'revoked_by_admin';
      await apiKeys.revoke(key, reason, actorOf(principal.id, request), requestContext(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/api-keys/:id/rotate',
    {
      preHandler: auth.requireUser,
      // The body is optional: an empty POST rotates with the default grace.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      schema: {
        tags: ['api-keys'],
        summary: 'Replace an API key; the old one works until the grace period ends',
        security,
        params: IdParams,
        body: RotateBody,
        response: { 201: IssuedApiKeySchema },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const key = await apiKeys.getManageable(request.params.id, {
        id: principal.id,
        isAdmin: principal.roles.includes('ADMIN'),
      });
      const grace = request.body.gracePeriod;
      const issued = await apiKeys.rotate(
        key,
        grace === undefined ? {} : { graceMs: grace * 1000 },
        actorOf(principal.id, request),
        requestContext(request),
      );
      reply.header('cache-control', noStore);
      return reply.code(201).send(issuedJson(issued));
    },
  );

  app.post(
    '/v1/admin/api-keys/lookup',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['api-keys'],
        summary: 'Find an API key by the key itself (for a leaked key a secret scan found)',
        security,
        body: Type.Object(
          { key: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: KeyLookupSchema },
      },
    },
    async (request, reply) => {
      const key = await apiKeys.findByKeyString(request.body.key);
      const json = apiKeyJson(key, Date.now());
      reply.header('cache-control', noStore);
      return {
        id: json.id,
        name: json.name,
        active: json.status === 'active' || json.status === 'grace',
        status: json.status,
        owner: json.owner,
      };
    },
  );

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
