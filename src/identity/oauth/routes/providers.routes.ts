import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type Authenticator, requestContext } from '../../authenticate.js';
import { userActor } from '../../core/request-context.js';
import type { ProviderAdmin, ProviderInput } from '../core/provider-admin.js';
import type { OAuthProvider } from '../core/providers.js';
import {
  CreateProviderBody,
  ProviderList,
  ProviderParams,
  ProviderSchema,
  UpdateProviderBody,
} from '../schemas.js';

export interface ProviderRoutesOptions {
  admin: ProviderAdmin;
  auth: Authenticator;
}

/** The HTTP representation of a provider: never its client secret. */
export function providerJson(p: OAuthProvider) {
  return {
    id: p.id,
    type: p.type,
    name: p.name,
    client_id: p.clientId,
    scopes: [...p.scopes],
    issuer: p.issuer ?? null,
    callback_url: p.callbackUrl,
    enabled: p.enabled,
    source: p.source,
  };
}

interface ProviderBody {
  type: ProviderInput['type'];
  name?: string | null;
  client_id: string;
  client_secret?: string;
  scopes?: string[] | null;
  issuer?: string | null;
  base_url?: string | null;
  api_url?: string | null;
  callback_url?: string | null;
  enabled?: boolean;
}

function inputOf(b: ProviderBody) {
  return {
    type: b.type,
    name: b.name,
    clientId: b.client_id,
    clientSecret: b.client_secret,
    scopes: b.scopes,
    issuer: b.issuer,
    baseUrl: b.base_url,
    apiUrl: b.api_url,
    callbackUrl: b.callback_url,
    enabled: b.enabled,
  };
}

export const providerRoutes: FastifyPluginAsyncTypebox<ProviderRoutesOptions> = async (
  app,
  { admin, auth },
) => {
  const adminOnly = auth.requireRole('ADMIN');
  const base = '/v1/admin/oauth/providers';
  const meta = { tags: ['oauth'], security: [{ bearerAuth: [] }] };

  app.get(
    base,
    {
      preHandler: adminOnly,
      schema: {
        ...meta,
        summary: 'Social login providers (config file and API)',
        response: { 200: ProviderList },
      },
    },
    async () => ({ providers: (await admin.list()).map(providerJson) }),
  );

  app.post(
    base,
    {
      preHandler: adminOnly,
      schema: {
        ...meta,
        summary: 'Add a social login provider (its client secret is sealed at rest)',
        body: CreateProviderBody,
        response: { 201: ProviderSchema },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const body = request.body;
      const created = await admin.create(
        body.id,
        { ...inputOf(body), clientSecret: body.client_secret },
        { ...userActor(principal.id, requestContext(request)), id: principal.id },
      );
      return reply.code(201).send(providerJson(created));
    },
  );

  app.get(
    `${base}/:provider`,
    {
      preHandler: adminOnly,
      schema: {
        ...meta,
        summary: 'A social login provider',
        params: ProviderParams,
        response: { 200: ProviderSchema },
      },
    },
    async (request) => providerJson(await admin.get(request.params.provider)),
  );

  app.put(
    `${base}/:provider`,
    {
      preHandler: adminOnly,
      schema: {
        ...meta,
        summary: 'Replace the settings of a provider added through the API',
        params: ProviderParams,
        body: UpdateProviderBody,
        response: { 200: ProviderSchema },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      return providerJson(
        await admin.update(
          request.params.provider,
          inputOf(request.body),
          userActor(principal.id, requestContext(request)),
        ),
      );
    },
  );

  app.delete(
    `${base}/:provider`,
    {
      preHandler: adminOnly,
      schema: {
        ...meta,
        summary: 'Remove a provider added through the API, and every identity linked through it',
        description:
          'Refused with 409 oauth_provider_sole_sign_in while some account can sign in only through this provider, unless force=true (recorded in the audit trail).',
        params: ProviderParams,
        querystring: Type.Object(
          { force: Type.Boolean({ default: false }) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      await admin.remove(
        request.params.provider,
        userActor(principal.id, requestContext(request)),
        { force: request.query.force },
      );
      return reply.code(204).send(null);
    },
  );
};
