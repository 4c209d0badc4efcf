import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { inviteJson } from '../account-json.js';
import { type Authenticator, requestContext } from '../authenticate.js';
import type { AccountService } from '../core/account-service.js';
import { userActor } from '../core/request-context.js';
import {
  CreatedInvite,
  CreateInviteBody,
  IdParams,
  InviteSchema,
  ListInvitesQuery,
} from '../schemas.js';

export interface InviteRoutesOptions {
  accounts: AccountService;
  auth: Authenticator;
}

export const inviteRoutes: FastifyPluginAsyncTypebox<InviteRoutesOptions> = async (
  app,
  { accounts, auth },
) => {
  const adminOnly = auth.requireRole('ADMIN');

  app.post(
    '/v1/invites',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['invites'],
        summary: 'Invite someone to register (registration.mode invite)',
        description:
          "An invite bound to an email replaces that email's unused invites: only the newest token works.",
        security: [{ bearerAuth: [] }],
        body: CreateInviteBody,
        response: { 201: CreatedInvite },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) throw new Error('principal missing after authentication');
      const ctx = requestContext(request);
      const { email, roles } = request.body;
      const { invite, token } = await accounts.createInvite(
        { email, roles },
        { ...userActor(principal.id, ctx), id: principal.id },
        ctx,
      );
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ invite: inviteJson(invite), token });
    },
  );

  app.get(
    '/v1/invites',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['invites'],
        summary: 'List invitations (pending only unless include_used)',
        security: [{ bearerAuth: [] }],
        querystring: ListInvitesQuery,
        response: {
          200: Type.Object({ items: Type.Array(InviteSchema) }, { additionalProperties: false }),
        },
      },
    },
    async (request) => ({
      items: (await accounts.listInvites(request.query.include_used)).map(inviteJson),
    }),
  );

  app.delete(
    '/v1/invites/:id',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['invites'],
        summary: 'Revoke an unused invitation',
        security: [{ bearerAuth: [] }],
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await accounts.revokeInvite(request.params.id);
      return reply.code(204).send(null);
    },
  );
};
