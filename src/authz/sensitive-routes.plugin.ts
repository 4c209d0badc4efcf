import { createHash } from 'node:crypto';
import type { FastifyPluginCallback, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { canonicalJson } from '../audit/core/canonical-json.js';
import { RampartError } from '../errors/rampart-error.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { EventActor } from '../events/security-event.js';
import { hookList } from '../http/guard-order.js';
import { requestContext } from '../identity/authenticate.js';
import { identityErrors } from '../identity/errors.js';
import type { ApprovalPolicies } from './approval-policies.js';
import type { ApprovalService } from './approval-service.js';
import { authzErrors } from './errors.js';
import { type InternalApprovalCalls, internalCallHeader } from './internal-approval-calls.js';
import { requireStepUp } from './step-up.js';

export interface SensitiveRoutesOptions {
  /** `METHOD /route/:pattern` entries that need a recent MFA login. */
  stepUpRoutes: readonly string[];
  stepUpMaxAgeSeconds: number;
  /** Which requests need a second person's approval (`authz.approvals`). */
  approvalPolicies: ApprovalPolicies;
  approvals: ApprovalService;
  /** Requests the approvals API replays on a caller's behalf (create, execute). */
  internalCalls: InternalApprovalCalls;
  events: EventPublisher;
  /**
   * `env` is production: routes marked `config: { sensitive: true }` (Rampart's or an
   * embedding application's) need a recent MFA login too, whether listed or not.
   */
  production?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** In production, the route needs a recent MFA login (step-up). */
    sensitive?: boolean;
  }
}

/** The header naming the approval a retried request runs under. */
export const approvalHeader = 'approval-id';

function actorOf(request: FastifyRequest): EventActor & { id: string } {
  const p = request.principal;
  if (!p) throw new RampartError(identityErrors.authentication_required);
  // The person (or service account) behind an API key is the requester.
  return { kind: p.kind === 'api_key' ? 'api_key' : 'user', id: p.id, ip: request.ip };
}

/**
 * What exactly is approved: the method, the URL with its query, and the parsed body in
 * canonical form (key order and spacing do not matter; any value does).
 */
function fingerprintOf(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`)
    .digest('base64url');
}

function approvalGuard(o: SensitiveRoutesOptions, operation: string): preHandlerAsyncHookHandler {
  return async function requireApproval(request, reply) {
    const actor = actorOf(request);
    const ctx = requestContext(request);
    const internal = o.internalCalls.of(request.headers[internalCallHeader]);
    const header = request.headers[approvalHeader];
    // An approval presented is spent, whether or not a policy asks for one now: it was
    // granted for this exact request, and it runs once.
    if (header !== undefined && internal?.mode !== 'create') {
      const id = typeof header === 'string' ? header.trim() : '';
      await o.approvals.spend(id, operation, fingerprintOf(request), actor, ctx);
      return;
    }
    const policy = o.approvalPolicies.applying(operation, request.body);
    if (policy === undefined) {
      // Asked to record an approval the request does not need: refuse rather than run it.
      if (internal !== undefined) throw new RampartError(authzErrors.approval_not_required);
      return;
    }
    const approval = await o.approvals.request(operation, fingerprintOf(request), actor, ctx, {
      policy: policy.name,
      required: policy.required,
      approverRole: policy.approverRole,
      request: { method: request.method, url: request.url, body: request.body ?? null },
      note: internal?.mode === 'create' ? internal.note : null,
    });
    reply.header('cache-control', 'no-store');
    await reply.code(202).send({
      code: 'approval_required',
      approvalId: approval.id,
      operation,
      ...(policy.name === null ? {} : { policy: policy.name }),
      status: approval.status,
      expiresAt: new Date(approval.expiresAt).toISOString(),
    });
    return reply;
  };
}

/** `guard`, run only for requests with `method` (on a route registered for several). */
function onlyFor(method: string, guard: preHandlerAsyncHookHandler): preHandlerAsyncHookHandler {
  return async function (request, reply) {
    return request.method === method ? guard.call(this, request, reply) : undefined;
  };
}

/**
 * Adds step-up and approval guards to the routes config names, after each route's own
 * authentication guard. Register before the routes (it hooks `onRoute`).
 */
const sensitiveRoutes: FastifyPluginCallback<SensitiveRoutesOptions> = (app, o, done) => {
  const stepUp = new Set(o.stepUpRoutes);
  const approval = new Set(o.approvalPolicies.operations());
  const stepUpGuard = requireStepUp({ maxAgeSeconds: o.stepUpMaxAgeSeconds, events: o.events });
  const guarded = new Set<string>();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const added: preHandlerAsyncHookHandler[] = [];
    for (const method of methods) {
      const operation = `${method} ${route.url}`;
      const guards: preHandlerAsyncHookHandler[] = [];
      const sensitiveHere = o.production === true && route.config?.sensitive === true;
      if (stepUp.has(operation) || sensitiveHere) guards.push(stepUpGuard);
      if (approval.has(operation)) guards.push(approvalGuard(o, operation));
      if (guards.length === 0) continue;
      guarded.add(operation);
      // One route, several methods: each method's guards run for that method only.
      added.push(...(methods.length === 1 ? guards : guards.map((g) => onlyFor(method, g))));
    }
    if (added.length > 0) route.preHandler = [...hookList(route.preHandler), ...added];
  });
  // The approvals API replays a request only through a route that has approval policies:
  // any other is refused before its handler could run.
  // A callback hook that returns at once without the header: it runs on every request, and
  // an async one would cost a promise each time.
  app.addHook('onRequest', (request, _reply, done) => {
    const marker = request.headers[internalCallHeader];
    if (marker === undefined || o.internalCalls.of(marker) === undefined) return done();
    const pattern = request.routeOptions.url;
    if (pattern === undefined || approval.has(`${request.method} ${pattern}`)) return done();
    done(new RampartError(authzErrors.approval_not_required));
  });
  // A listed route that never came by (misspelt, or registered before this plugin) would
  // be an operation that looks protected and is not: refuse to start instead.
  app.addHook('onReady', (ready) => {
    const missing = [...new Set([...stepUp, ...approval])].filter((op) => !guarded.has(op));
    ready(
      missing.length === 0
        ? undefined
        : new Error(
            `authz.stepUp.routes / authz.approvals.routes / authz.approvals.policies name routes that do not exist (or were registered before the guards): ${missing.join(', ')}`,
          ),
    );
  });
  done();
};

export default fp(sensitiveRoutes, { name: 'rampart-authz-sensitive-routes', fastify: '5.x' });
