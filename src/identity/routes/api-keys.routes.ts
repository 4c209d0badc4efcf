import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventActor } from '../../events/security-event.js';
import { apiKeyErrors } from '../api-key-errors.js';
import {
  ApiKeySchema,
  apiKeyJson,
  CreateApiKeyBody,
  IssuedApiKeySchema,
  issuedJson,
  KeyLookupSchema,
  ListQuery,
  RotateBody,
} from '../api-key-schemas.js';
import { type Authenticator, requestContext } from '../authenticate.js';
import type { ApiKeyService } from '../core/api-key-service.js';
import { type ApiKeyOwner, apiKeyStatus } from '../core/api-key-verification.js';
import { userActor } from '../core/request-context.js';
import { IdParams } from '../schemas.js';

export interface ApiKeyRoutesOptions {
  apiKeys: ApiKeyService;
  auth: Authenticator;
}

/**
 * API keys of people and service accounts (/v1/api-keys): issuing, listing, revoking and
 * rotating them, and finding a leaked key by the key itself. Service accounts themselves
 * are in service-accounts.routes.ts.
 *
 * @example
 * await app.register(apiKeyRoutes, { apiKeys, auth });
 */
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
};
