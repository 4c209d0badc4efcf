import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { RampartError } from '../errors/rampart-error.js';
import { type Authenticator, requestContext } from '../identity/authenticate.js';
import { userActor } from '../identity/core/request-context.js';
import { accessErrors } from './access-errors.js';
import type { IpAccess, IpDecision } from './ip-access.js';
import type { IpRule } from './ip-rule-store.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const IpRuleSchema = Type.Object(
  {
    id: Type.String(),
    action: Type.Union([Type.Literal('allow'), Type.Literal('deny'), Type.Literal('ban')]),
    cidr: Type.String(),
    reason: Type.Union([Type.String(), Type.Null()]),
    createdBy: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);

const Reason = Type.Optional(Type.String({ minLength: 1, maxLength: 500 }));

function ruleJson(r: IpRule) {
  return {
    id: r.id,
    action: r.action,
    cidr: r.cidr,
    reason: r.reason,
    createdBy: r.createdBy,
    createdAt: new Date(r.createdAt).toISOString(),
    expiresAt: iso(r.expiresAt),
  };
}

/** Lets the request on, or reports the refusal and refuses it with 403 `ip_blocked`. */
function decide(
  access: IpAccess,
  decision: IpDecision,
  request: FastifyRequest,
  done: (error?: Error) => void,
): void {
  if (decision.allowed) {
    done();
    return;
  }
  access
    .reportBlocked(decision, request.ip, String(request.id))
    .then(
      () =>
        done(new RampartError(accessErrors.ip_blocked, { context: { reason: decision.reason } })),
      done,
    );
}

export interface IpAccessPluginOptions {
  access: IpAccess;
  auth: Authenticator;
}

/**
 * The first thing every request meets: allow rules, deny rules and bans (403
 * `ip_blocked`), before authentication, body parsing or routing. Plus the admin API.
 */
const ipAccessPlugin: FastifyPluginAsyncTypebox<IpAccessPluginOptions> = async (
  app,
  { access, auth },
) => {
  // Callback style, and synchronous when the hot store is in memory: this runs on every
  // request, and an async hook costs promises each time (an allowed request makes nothing).
  app.addHook('onRequest', (request, _reply, done) => {
    const now = access.checkNow(request.ip);
    if (now === undefined) {
      access.check(request.ip).then((decision) => decide(access, decision, request, done), done);
      return;
    }
    if (now.allowed) return done();
    decide(access, now, request, done);
  });

  const adminOnly = auth.requireRole('ADMIN');
  const security = [{ bearerAuth: [] }];

  app.get(
    '/v1/admin/ip-rules',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Live IP allow and deny rules and bans',
        security,
        response: { 200: Type.Object({ items: Type.Array(IpRuleSchema) }) },
      },
    },
    async () => ({ items: (await access.list()).map(ruleJson) }),
  );

  app.post(
    '/v1/admin/ip-rules',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Add an allow rule (never blocked) or a deny rule for a CIDR',
        security,
        body: Type.Object(
          {
            action: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
            cidr: Type.String({ minLength: 2, maxLength: 49 }),
            reason: Reason,
            expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: IpRuleSchema },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const ctx = requestContext(request);
      const expiresAt =
        request.body.expiresAt === undefined ? null : Date.parse(request.body.expiresAt);
      if (expiresAt !== null && expiresAt <= Date.now()) {
        throw new RampartError(accessErrors.invalid_ip, { detail: 'expiresAt is in the past.' });
      }
      const rule = await access.addRule(
        {
          action: request.body.action,
          cidr: request.body.cidr,
          reason: request.body.reason ?? null,
          expiresAt,
        },
        userActor(principal.id, ctx),
        ctx,
      );
      return reply.code(201).send(ruleJson(rule));
    },
  );

  app.post(
    '/v1/admin/ip-bans',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Ban a client (its IPv4 address or IPv6 /64), on every node at once',
        security,
        body: Type.Object(
          {
            ip: Type.String({ minLength: 2, maxLength: 45 }),
            duration: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: 31_536_000,
                description: 'Seconds; without it the ban lasts until lifted.',
              }),
            ),
            reason: Reason,
          },
          { additionalProperties: false },
        ),
        response: { 201: IpRuleSchema },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const ctx = requestContext(request);
      const rule = await access.ban(
        {
          ip: request.body.ip,
          ...(request.body.duration === undefined
            ? {}
            : { durationMs: request.body.duration * 1000 }),
          reason: request.body.reason ?? null,
        },
        userActor(principal.id, ctx),
        ctx,
      );
      return reply.code(201).send(ruleJson(rule));
    },
  );

  app.delete(
    '/v1/admin/ip-rules/:id',
    {
      preHandler: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Lift an IP rule or ban',
        security,
        params: Type.Object(
          { id: Type.String({ minLength: 1, maxLength: 64 }) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const principal = auth.principalOf(request);
      const ctx = requestContext(request);
      await access.lift(request.params.id, userActor(principal.id, ctx), ctx);
      return reply.code(204).send(null);
    },
  );
};

export default fp(ipAccessPlugin, { name: 'rampart-ip-access', fastify: '5.x' });
