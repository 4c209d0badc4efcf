import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { sessionJson } from '../account-json.js';
import { type Authenticator, requestContext } from '../authenticate.js';
import type { AccountService } from '../core/account-service.js';
import { userActor } from '../core/request-context.js';
import type { SessionService } from '../core/session-service.js';
import {
  AccountSessionParams,
  IdParams,
  RevokedCount,
  SessionIdParams,
  SessionList,
} from '../schemas.js';

export interface SessionRoutesOptions {
  sessions: SessionService;
  accounts: AccountService;
  auth: Authenticator;
}

export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesOptions> = async (
  app,
  { sessions, accounts, auth },
) => {
  const security = [{ bearerAuth: [] }];

  app.get(
    '/v1/sessions',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['sessions'],
        summary: 'Your active sessions and devices',
        security,
        response: { 200: SessionList },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      return {
        items: (await sessions.list(principal.id)).map((s) => sessionJson(s, principal.sessionId)),
      };
    },
  );

  app.delete(
    '/v1/sessions/:id',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['sessions'],
        summary: 'End one of your sessions',
        security,
        params: SessionIdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const ctx = requestContext(request);
      // Another account's session id answers 404 exactly like an unknown one (no IDOR).
      const session = await sessions.getOwn(principal.id, request.params.id);
      await sessions.revoke(session.id, 'revoked_by_user', userActor(principal.id, ctx), ctx);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/v1/sessions',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['sessions'],
        summary: 'End every other session of yours',
        security,
        response: { 200: RevokedCount },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      const ctx = requestContext(request);
      const ids = await sessions.revokeAll(
        principal.id,
        'revoked_by_user',
        userActor(principal.id, ctx),
        ctx,
        principal.sessionId,
      );
      return { revoked: ids.length };
    },
  );

  const adminOnly = auth.requireRole('ADMIN');

  app.get(
    '/v1/admin/accounts/:id/sessions',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        summary: "An account's active sessions",
        security,
        params: IdParams,
        response: { 200: SessionList },
      },
    },
    async (request) => {
      const account = await accounts.getAccount(request.params.id);
      return { items: (await sessions.list(account.id)).map((s) => sessionJson(s, undefined)) };
    },
  );

  app.delete(
    '/v1/admin/accounts/:id/sessions/:sessionId',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        summary: "End one of an account's sessions",
        security,
        params: AccountSessionParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const ctx = requestContext(request);
      const session = await sessions.getOwn(request.params.id, request.params.sessionId);
      await sessions.revoke(session.id, 'revoked_by_admin', userActor(principal.id, ctx), ctx);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/v1/admin/accounts/:id/sessions',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'End every session of an account',
        security,
        params: IdParams,
        response: { 200: RevokedCount },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      const ctx = requestContext(request);
      const account = await accounts.getAccount(request.params.id);
      return {
        revoked: (
          await sessions.revokeAll(
            account.id,
            'revoked_by_admin',
            userActor(principal.id, ctx),
            ctx,
          )
        ).length,
      };
    },
  );
};
