import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { accountJson } from '../account-json.js';
import {
  AccountListQuery,
  AdminAccountDetail,
  AdminAccountList,
  DeletedAccount,
  LockAccountBody,
  LockAccountResponse,
  SetAccountRolesBody,
} from '../admin-account-schemas.js';
import { type Authenticator, requestContext } from '../authenticate.js';
import type {
  AccountAdminService,
  AccountDetail,
  AccountSummary,
} from '../core/account-admin-service.js';
import { type RequestContext, userActor } from '../core/request-context.js';
import { IdParams } from '../schemas.js';

export interface AdminAccountRoutesOptions {
  admin: AccountAdminService;
  auth: Authenticator;
}

const iso = (ms: number) => new Date(ms).toISOString();
const adminActor = (id: string, ctx: RequestContext) => ({ ...userActor(id, ctx), id });

function summaryJson(s: AccountSummary) {
  const lock = s.account.adminLock;
  return {
    ...accountJson(s.account),
    effective_roles: [...s.effectiveRoles],
    locked: s.lockedUntil !== null,
    locked_until: s.lockedUntil === null ? null : iso(s.lockedUntil),
    admin_lock: lock
      ? { locked_by: lock.by, reason: lock.reason, locked_at: iso(lock.at), until: iso(lock.until) }
      : null,
  };
}

function detailJson(d: AccountDetail) {
  return {
    ...summaryJson(d),
    assigned_roles: [...d.assignedRoles],
    mfa_enabled: d.mfaEnabled,
    linked_identities: d.linkedIdentities,
    active_sessions: d.activeSessions,
    active_api_keys: d.activeApiKeys,
  };
}

/**
 * Accounts as administrators manage them (ADMIN only): search, details, lock and unlock,
 * built-in roles and deletion. Role changes and deletion need a recent MFA login by
 * default (`authz.stepUp.routes`).
 */
export const adminAccountRoutes: FastifyPluginAsyncTypebox<AdminAccountRoutesOptions> = async (
  app,
  { admin, auth },
) => {
  const security = [{ bearerAuth: [] }];
  const adminOnly = auth.requireRole('ADMIN');
  const tags = ['admin'];

  app.get(
    '/v1/admin/accounts',
    {
      preHandler: adminOnly,
      schema: {
        tags,
        summary: 'Search accounts by email text, role and status (cursor pagination)',
        security,
        querystring: AccountListQuery,
        response: { 200: AdminAccountList },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const q = request.query;
      const page = await admin.search({
        query: q.query,
        role: q.role,
        status: q.status,
        cursor: q.cursor,
        limit: q.limit,
      });
      return { items: page.items.map(summaryJson), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/admin/accounts/:id',
    {
      preHandler: adminOnly,
      schema: {
        tags,
        summary: 'An account: roles (held, assigned, effective), MFA, lock, identities, sessions',
        security,
        params: IdParams,
        response: { 200: AdminAccountDetail },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return detailJson(await admin.detail(request.params.id));
    },
  );

  app.post(
    '/v1/admin/accounts/:id/lock',
    {
      preHandler: adminOnly,
      // The body is optional: an empty POST locks for lockout.adminLockDuration.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
      schema: {
        tags,
        summary: 'Lock an account: sign-in, refresh and API keys refused, every session ended',
        description:
          'Durable: the account is disabled in the database (status `disabled`, with who, why and until when), so a restart does not lift it; a password reset does not either. POST /v1/admin/accounts/:id/unlock lifts it. Emits auth.account.locked and session.revoked.',
        security,
        params: IdParams,
        body: LockAccountBody,
        response: { 200: LockAccountResponse },
      },
    },
    async (request) => {
      const ctx = requestContext(request);
      const principal = auth.principalOf(request);
      const seconds = request.body.duration_seconds;
      const result = await admin.lock(
        request.params.id,
        {
          durationMs: seconds === undefined ? undefined : seconds * 1000,
          reason: request.body.reason,
        },
        adminActor(principal.id, ctx),
        ctx,
      );
      return { locked_until: iso(result.lockedUntil), sessions_revoked: result.sessionsRevoked };
    },
  );

  app.post(
    '/v1/admin/accounts/:id/unlock',
    {
      preHandler: adminOnly,
      schema: {
        tags,
        summary:
          "Lift a lock: an administrator's, a lockout after failed sign-ins or an automated response's",
        security,
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      await admin.unlock(request.params.id, userActor(principal.id, requestContext(request)));
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/v1/admin/accounts/:id/roles',
    {
      preHandler: adminOnly,
      schema: {
        tags,
        summary: "Replace an account's built-in roles",
        description:
          'Custom roles are assigned with PUT /v1/authz/assignments/:id; effective_roles shows both. Removing ADMIN from the last administrator is refused (409 last_admin). Emits account.roles.changed with before and after.',
        security,
        params: IdParams,
        body: SetAccountRolesBody,
        response: { 200: AdminAccountDetail },
      },
    },
    async (request) => {
      const ctx = requestContext(request);
      const principal = auth.principalOf(request);
      return detailJson(
        await admin.setRoles(
          request.params.id,
          request.body.roles,
          adminActor(principal.id, ctx),
          ctx,
        ),
      );
    },
  );

  app.delete(
    '/v1/admin/accounts/:id',
    {
      preHandler: adminOnly,
      schema: {
        tags,
        summary: 'Delete an account (erased as by GDPR erasure; sessions and keys revoked)',
        description:
          'Never the last administrator (409 last_admin). Personal data is anonymised; audit records stay and the chain still verifies, naming the account by its id (the pseudonym in the response). Emits account.deleted and gdpr.erased.',
        security,
        params: IdParams,
        response: { 200: DeletedAccount },
      },
    },
    async (request) => {
      const ctx = requestContext(request);
      const principal = auth.principalOf(request);
      const { pseudonym } = await admin.delete(
        request.params.id,
        adminActor(principal.id, ctx),
        ctx,
      );
      return { deleted: true as const, pseudonym };
    },
  );
};
