import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { RampartError } from '../../errors/rampart-error.js';
import { type Authenticator, requestContext } from '../../identity/authenticate.js';
import { userActor } from '../../identity/core/request-context.js';
import { identityErrors } from '../../identity/errors.js';
import { ApprovalDecisionBody, ApprovalJson, ApprovalParams } from '../approval-schemas.js';
import type { ApprovalService } from '../approval-service.js';
import type { Authorizer } from '../authorizer.js';
import type { ApprovalRecord } from '../store.js';
import { approvalJson } from './approval-json.js';

export interface ApprovalRoutesOptions {
  auth: Authenticator;
  approvals: ApprovalService;
  authorizer: Authorizer;
  now?: () => number;
}

/**
 * Approval requests for sensitive operations: list the open ones, read one, approve or
 * reject (people holding the request's approver role, never the requester).
 */
export const approvalRoutes: FastifyPluginAsyncTypebox<ApprovalRoutesOptions> = async (
  app,
  { auth, approvals, authorizer, now = Date.now },
) => {
  const security = [{ bearerAuth: [] }];
  const approves = (request: FastifyRequest, record: ApprovalRecord) => {
    const p = auth.principalOf(request);
    return authorizer.holdsRole(
      authorizer.rolesOf(p.id, p.roles),
      approvals.approverRoleOf(record),
    );
  };
  const refuse = (record: ApprovalRecord) =>
    new RampartError(identityErrors.permission_denied, {
      detail: `This request is decided by holders of the ${approvals.approverRoleOf(record)} role.`,
    });
  const json = (a: ApprovalRecord) => approvalJson(a, approvals, now());

  app.get(
    '/v1/authz/approvals',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['authz'],
        summary: 'Open approval requests the caller may decide, oldest first',
        security,
        response: { 200: Type.Object({ items: Type.Array(ApprovalJson) }) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const open = await approvals.listPending();
      return { items: open.filter((a) => approves(request, a)).map(json) };
    },
  );

  app.get(
    '/v1/authz/approvals/:id',
    {
      preHandler: auth.requireCaller,
      schema: {
        tags: ['authz'],
        summary: 'One approval request (its requester or an approver)',
        security,
        params: ApprovalParams,
        response: { 200: ApprovalJson },
      },
    },
    async (request, reply) => {
      const record = await approvals.get(request.params.id);
      const caller = auth.callerOf(request);
      if (
        record.requesterId !== caller.id &&
        (caller.kind !== 'user' || !approves(request, record))
      )
        throw refuse(record);
      reply.header('cache-control', 'no-store');
      return json(record);
    },
  );

  for (const verdict of ['approve', 'reject'] as const) {
    app.post(
      `/v1/authz/approvals/:id/${verdict}`,
      {
        preHandler: auth.requireUser,
        schema: {
          tags: ['authz'],
          summary:
            verdict === 'approve'
              ? 'Approve a request (not your own); the requester may then run it once'
              : 'Reject a request (not your own)',
          security,
          params: ApprovalParams,
          body: Type.Optional(ApprovalDecisionBody),
          response: { 200: ApprovalJson },
        },
      },
      async (request) => {
        const p = auth.principalOf(request);
        const ctx = requestContext(request);
        const actor = { ...userActor(p.id, ctx), id: p.id };
        const record = await approvals.get(request.params.id);
        // The requester is refused (and recorded) whatever roles they hold.
        if (record.requesterId !== p.id && !approves(request, record)) throw refuse(record);
        const after = await approvals.decide(
          record.id,
          verdict === 'approve' ? 'approved' : 'rejected',
          actor,
          request.body?.reason ?? null,
          ctx,
        );
        return json(after);
      },
    );
  }
};
