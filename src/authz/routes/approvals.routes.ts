import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { RampartError } from '../../errors/rampart-error.js';
import { type Authenticator, requestContext } from '../../identity/authenticate.js';
import { userActor } from '../../identity/core/request-context.js';
import { identityErrors } from '../../identity/errors.js';
import type { ApprovalService } from '../approval-service.js';
import type { Authorizer } from '../authorizer.js';
import { ApprovalDecisionBody, ApprovalJson, ApprovalParams } from '../schemas.js';
import type { ApprovalRecord } from '../store.js';

export interface ApprovalRoutesOptions {
  auth: Authenticator;
  approvals: ApprovalService;
  authorizer: Authorizer;
  /** The role an approver holds or inherits (config `authz.approvals.approverRole`). */
  approverRole: string;
  now?: () => number;
}

/**
 * Approval requests for sensitive operations: list the open ones, read one, approve or
 * reject (people holding the approver role, never the requester).
 */
export const approvalRoutes: FastifyPluginAsyncTypebox<ApprovalRoutesOptions> = async (
  app,
  { auth, approvals, authorizer, approverRole, now = Date.now },
) => {
  const security = [{ bearerAuth: [] }];
  const isApprover = (request: FastifyRequest) => {
    const p = auth.principalOf(request);
    return authorizer.holdsRole(authorizer.rolesOf(p.id, p.roles), approverRole);
  };
  const refuse = () =>
    new RampartError(identityErrors.permission_denied, {
      detail: `Approvals are decided by holders of the ${approverRole} role.`,
    });
  const json = (a: ApprovalRecord) => ({
    id: a.id,
    operation: a.operation,
    requesterId: a.requesterId,
    required: a.required,
    approvers: [...a.approvers],
    status: a.status === 'pending' && a.expiresAt <= now() ? ('expired' as const) : a.status,
    reason: a.reason,
    createdAt: new Date(a.createdAt).toISOString(),
    expiresAt: new Date(a.expiresAt).toISOString(),
    decidedBy: a.decidedBy,
    decidedAt: a.decidedAt === null ? null : new Date(a.decidedAt).toISOString(),
  });

  app.get(
    '/v1/authz/approvals',
    {
      preHandler: auth.requireUser,
      schema: {
        tags: ['authz'],
        summary: 'Open approval requests, oldest first (approvers)',
        security,
        response: { 200: Type.Object({ items: Type.Array(ApprovalJson) }) },
      },
    },
    async (request) => {
      if (!isApprover(request)) throw refuse();
      return { items: (await approvals.listPending()).map(json) };
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
    async (request) => {
      const record = await approvals.get(request.params.id);
      const caller = auth.callerOf(request);
      if (record.requesterId !== caller.id && (caller.kind !== 'user' || !isApprover(request)))
        throw refuse();
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
        if (!isApprover(request)) throw refuse();
        const p = auth.principalOf(request);
        const ctx = requestContext(request);
        const record = await approvals.decide(
          request.params.id,
          verdict === 'approve' ? 'approved' : 'rejected',
          { ...userActor(p.id, ctx), id: p.id },
          request.body?.reason ?? null,
          ctx,
        );
        return json(record);
      },
    );
  }
};
