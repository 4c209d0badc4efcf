import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest, LightMyRequestResponse } from 'fastify';
import { Type } from 'typebox';
import type { EventActor } from '../../events/security-event.js';
import { type Authenticator, requestContext } from '../../identity/authenticate.js';
import { ApprovalCreateBody, ApprovalJson, ApprovalParams } from '../approval-schemas.js';
import type { ApprovalService } from '../approval-service.js';
import { type InternalApprovalCalls, internalCallHeader } from '../internal-approval-calls.js';
import { approvalHeader } from '../sensitive-routes.plugin.js';
import type { BoundRequest } from '../store.js';
import { approvalJson } from './approval-json.js';

export interface ApprovalRequestRoutesOptions {
  auth: Authenticator;
  approvals: ApprovalService;
  internalCalls: InternalApprovalCalls;
  now?: () => number;
}

/**
 * What identifies the caller to the replayed request: its own credentials (bearer token,
 * API key, session cookie with what the CSRF check reads), and the request id, so the
 * audit trail ties both together. Nothing else of the outer request is passed on.
 */
const forwardedHeaders = [
  'authorization',
  'x-api-key',
  'cookie',
  'origin',
  'referer',
  'sec-fetch-site',
  'user-agent',
] as const;

/** Headers of the operation's response a client needs; the rest are set anew. */
const returnedHeaders = ['content-type', 'cache-control', 'location', 'retry-after'] as const;

/**
 * The generic approval API: POST /v1/authz/approvals asks for approval of a request before
 * making it, POST /v1/authz/approvals/:id/execute runs it once approved. Both replay the
 * request through its own route as the caller (app.inject with the caller's credentials),
 * so the route's authentication, permission guard, validation and approval policies decide
 * exactly as they do for a direct call, and the request is bound (fingerprinted) the same.
 */
export const approvalRequestRoutes: FastifyPluginAsyncTypebox<
  ApprovalRequestRoutesOptions
> = async (app, { auth, approvals, internalCalls, now = Date.now }) => {
  const security = [{ bearerAuth: [] }];

  const replay = async (
    request: FastifyRequest,
    target: BoundRequest,
    call: Parameters<InternalApprovalCalls['begin']>[0],
    extra: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> => {
    const headers: Record<string, string> = { 'x-request-id': String(request.id), ...extra };
    for (const name of forwardedHeaders) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const { token, end } = internalCalls.begin(call);
    try {
      return await app.inject({
        method: target.method as 'POST',
        url: target.url,
        headers: { ...headers, [internalCallHeader]: token },
        remoteAddress: request.ip,
        ...(target.body === null || target.body === undefined
          ? {}
          : { payload: target.body as object }),
      });
    } finally {
      end();
    }
  };

  const relay = (reply: FastifyReply, res: LightMyRequestResponse) => {
    reply.code(res.statusCode);
    for (const name of returnedHeaders) {
      const value = res.headers[name];
      if (typeof value === 'string') reply.header(name, value);
    }
    return reply.send(res.rawPayload);
  };

  const actorOf = (request: FastifyRequest): EventActor & { id: string } => {
    const p = auth.callerOf(request);
    return { kind: p.kind === 'api_key' ? 'api_key' : 'user', id: p.id, ip: request.ip };
  };

  app.post(
    '/v1/authz/approvals',
    {
      preHandler: auth.requireCaller,
      schema: {
        tags: ['authz'],
        summary: 'Ask for approval of a request before making it',
        description:
          "The request `{method, url, body}` goes through its route as the caller: its authentication, permission and validation apply, and the first of the route's approval policies that holds decides who approves. 201 with the approval request, bound to exactly this request; the route's own problem if it refuses the caller; 400 approval_not_required if no policy asks for approval (call the route directly).",
        security,
        body: ApprovalCreateBody,
        response: { 201: ApprovalJson },
      },
    },
    async (request, reply) => {
      const { method, url, body, reason } = request.body;
      const res = await replay(
        request,
        { method, url, body: body ?? null },
        { mode: 'create', note: reason ?? null },
      );
      const answer = res.statusCode === 202 ? res.json<{ approvalId?: string }>() : {};
      if (answer.approvalId === undefined) return relay(reply, res);
      const record = await approvals.get(answer.approvalId);
      reply.header('cache-control', 'no-store');
      reply.header('location', `/v1/authz/approvals/${record.id}`);
      return reply.code(201).send(approvalJson(record, approvals, now()));
    },
  );

  app.post(
    '/v1/authz/approvals/:id/execute',
    {
      preHandler: auth.requireCaller,
      schema: {
        tags: ['authz'],
        summary: 'Run an approved request, once, as its requester',
        description:
          "Replays the bound request through its route with the caller's credentials and the Approval-Id, and answers with the operation's own response (status, body). Only the requester may, once: a second call, or one before approval or after expiry, is refused with approval_not_usable.",
        security,
        params: ApprovalParams,
        response: {
          // Whatever the operation answers, relayed as it is (a Buffer is not serialised).
          200: Type.Unknown({ description: "The operation's own response, status and body" }),
        },
      },
    },
    async (request, reply) => {
      const ctx = requestContext(request);
      const actor = actorOf(request);
      const record = await approvals.get(request.params.id);
      const target = await approvals.assertExecutable(record, actor, ctx);
      const res = await replay(
        request,
        target,
        { mode: 'execute' },
        { [approvalHeader]: record.id },
      );
      await approvals.executed(record, res.statusCode, actor, ctx);
      return relay(reply, res);
    },
  );
};
