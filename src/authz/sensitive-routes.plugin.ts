import { createHash } from 'node:crypto';
import type { FastifyPluginCallback, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { canonicalJson } from '../audit/core/canonical-json.js';
import { RampartError } from '../errors/rampart-error.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { EventActor } from '../events/security-event.js';
import { requestContext } from '../identity/authenticate.js';
import { identityErrors } from '../identity/errors.js';
import type { ApprovalService } from './approval-service.js';
import { requireStepUp } from './step-up.js';

export interface SensitiveRoutesOptions {
  /** `METHOD /route/:pattern` entries that need a recent MFA login. */
  stepUpRoutes: readonly string[];
  stepUpMaxAgeSeconds: number;
  /** `METHOD /route/:pattern` entries that need a second person's approval. */
  approvalRoutes: readonly string[];
  approvals: ApprovalService;
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
    const header = request.headers[approvalHeader];
    if (header === undefined) {
      const approval = await o.approvals.request(operation, fingerprintOf(request), actor, ctx);
      reply.header('cache-control', 'no-store');
      await reply.code(202).send({
        code: 'approval_required',
        approvalId: approval.id,
        operation,
        status: approval.status,
        expiresAt: new Date(approval.expiresAt).toISOString(),
      });
      return reply;
    }
    const id = typeof header === 'string' ? header.trim() : '';
    await o.approvals.spend(id, operation, fingerprintOf(request), actor, ctx);
  };
}

/**
 * Adds step-up and approval guards to the routes config names, after each route's own
 * authentication guard. Register before the routes (it hooks `onRoute`).
 */
const sensitiveRoutes: FastifyPluginCallback<SensitiveRoutesOptions> = (app, o, done) => {
  const stepUp = new Set(o.stepUpRoutes);
  const approval = new Set(o.approvalRoutes);
  const stepUpGuard = requireStepUp({ maxAgeSeconds: o.stepUpMaxAgeSeconds, events: o.events });
  const guarded = new Set<string>();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const operation = `${method} ${route.url}`;
      const guards: preHandlerAsyncHookHandler[] = [];
      const sensitiveHere = o.production === true && route.config?.sensitive === true;
      if (stepUp.has(operation) || sensitiveHere) guards.push(stepUpGuard);
      if (approval.has(operation)) guards.push(approvalGuard(o, operation));
      if (guards.length === 0) continue;
      guarded.add(operation);
      const existing = route.preHandler;
      route.preHandler = [
        ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]),
        ...guards,
      ];
      return;
    }
  });
  // A listed route that never came by (misspelt, or registered before this plugin) would
  // be an operation that looks protected and is not: refuse to start instead.
  app.addHook('onReady', (ready) => {
    const missing = [...new Set([...stepUp, ...approval])].filter((op) => !guarded.has(op));
    ready(
      missing.length === 0
        ? undefined
        : new Error(
            `authz.stepUp.routes / authz.approvals.routes name routes that do not exist (or were registered before the guards): ${missing.join(', ')}`,
          ),
    );
  });
  done();
};

export default fp(sensitiveRoutes, { name: 'rampart-authz-sensitive-routes', fastify: '5.x' });
