import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type Authenticator, requestContext } from '../../authenticate.js';
import type { IdentityLinks } from '../core/identity-links.js';
import type { OAuthLoginService } from '../core/oauth-login-service.js';
import { IdentityList, IdParams, LinkBody, LinkStarted, ProviderParams } from '../schemas.js';
import type { LinkedIdentity } from '../store.js';
import { returnPathOf, setStateCookie } from './oauth-login.routes.js';

export interface IdentityRoutesOptions {
  service: OAuthLoginService;
  links: IdentityLinks;
  auth: Authenticator;
  publicUrl: string;
  stateTtl: number;
  defaultReturnPath: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The HTTP representation of a linked identity. */
export function identityJson(i: LinkedIdentity) {
  return {
    id: i.id,
    provider: i.providerId,
    subject: i.subject,
    email: i.email,
    email_verified: i.emailVerified,
    created_at: iso(i.createdAt),
    last_login_at: i.lastLoginAt === null ? null : iso(i.lastLoginAt),
  };
}

export const identityRoutes: FastifyPluginAsyncTypebox<IdentityRoutesOptions> = async (app, o) => {
  app.get(
    '/v1/me/identities',
    {
      preHandler: o.auth.requireUser,
      schema: {
        tags: ['account'],
        summary: 'Provider identities linked to the account',
        security: [{ bearerAuth: [] }],
        response: { 200: IdentityList },
      },
    },
    async (request) => {
      const principal = o.auth.principalOf(request);
      return { identities: (await o.links.list(principal.id)).map(identityJson) };
    },
  );

  app.post(
    '/v1/me/identities/:provider/link',
    {
      preHandler: o.auth.requireUser,
      schema: {
        tags: ['account'],
        summary: 'Start linking a provider identity to the signed-in account',
        description:
          'Answers the provider URL to send the browser to (and sets the state cookie). The callback links the identity to this account whatever its email, unless it is linked to another account.',
        security: [{ bearerAuth: [] }],
        params: ProviderParams,
        body: Type.Optional(LinkBody),
        response: { 200: LinkStarted },
      },
    },
    async (request, reply) => {
      const principal = o.auth.principalOf(request);
      const { url, stateDigest } = await o.service.start(request.params.provider, {
        mode: 'cookie',
        returnPath: returnPathOf(request.body?.return, o.defaultReturnPath),
        linkAccountId: principal.id,
      });
      setStateCookie(reply, o.publicUrl, stateDigest, o.stateTtl);
      return reply.header('cache-control', 'no-store').send({ authorization_url: url.href });
    },
  );

  app.delete(
    '/v1/me/identities/:id',
    {
      preHandler: o.auth.requireUser,
      schema: {
        tags: ['account'],
        summary: 'Unlink a provider identity (409 if it is the last way to sign in)',
        security: [{ bearerAuth: [] }],
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const principal = o.auth.principalOf(request);
      await o.links.unlink(principal.id, request.params.id, requestContext(request));
      return reply.code(204).send(null);
    },
  );
};
