import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type LiveEventRelay, matchesLiveFilter } from '../../events/live-event-relay.js';
import type { EventOutcome, EventSeverity, SecurityEvent } from '../../events/security-event.js';
import type { Authenticator } from '../../identity/authenticate.js';

export interface EventsStreamRoutesOptions {
  relay: LiveEventRelay;
  auth: Authenticator;
  /** Milliseconds between heartbeat comments (default 15 s, under common proxy idle limits). */
  heartbeatMs?: number;
}

/** Bytes a slow viewer may have unsent before further events skip it (counted as dropped). */
const maxBuffered = 1 << 20;

/** The event as the stream sends it: the audit API's field names. */
function eventJson(e: SecurityEvent) {
  return {
    id: e.id,
    type: e.type,
    time: new Date(e.time).toISOString(),
    outcome: e.outcome,
    severity: e.severity,
    actor: { kind: e.actor.kind, id: e.actor.id ?? null, ip: e.actor.ip ?? null },
    target: e.target ? { type: e.target.type, id: e.target.id ?? null } : null,
    request_id: e.requestId ?? null,
    details: e.details,
  };
}

/**
 * `GET /v1/events/stream`: security events as server-sent events (text/event-stream),
 * as they happen on any node (see LiveEventRelay). The response is written by hand after
 * `reply.hijack()`, since it never ends on its own; the security headers set when the
 * request arrived are carried over. The stream ends when the caller's access token
 * expires (the client reconnects with a fresh one) and when the server shuts down.
 */
export const eventsStreamRoutes: FastifyPluginAsyncTypebox<EventsStreamRoutesOptions> = async (
  app,
  { relay, auth, heartbeatMs = 15_000 },
) => {
  const open = new Set<ServerResponse>();
  app.addHook('preClose', (done) => {
    for (const res of open) res.end();
    open.clear();
    done();
  });

  app.get(
    '/v1/events/stream',
    {
      preHandler: auth.requirePermission('events:read'),
      schema: {
        tags: ['monitor'],
        summary: 'Live security events as server-sent events, from every node',
        description:
          'Each event is an SSE message `event: security-event` whose data is the event as JSON. A comment line every 15 s keeps the connection open. Needs events:read.',
        security: [{ bearerAuth: [] }],
        querystring: Type.Object(
          {
            type: Type.Optional(
              Type.String({
                maxLength: 1000,
                pattern: '^[a-z*][a-z0-9_.*-]*(,[a-z*][a-z0-9_.*-]*)*$',
                description: 'Comma-separated event types; `auth.*` matches a prefix.',
              }),
            ),
            outcome: Type.Optional(
              Type.Union([
                Type.Literal('success'),
                Type.Literal('failure'),
                Type.Literal('denied'),
              ]),
            ),
            min_severity: Type.Optional(
              Type.Union([
                Type.Literal('info'),
                Type.Literal('notice'),
                Type.Literal('warning'),
                Type.Literal('critical'),
              ]),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: {
            description: 'An endless text/event-stream',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const filter = {
        types: q.type ? q.type.split(',') : [],
        ...(q.outcome ? { outcome: q.outcome as EventOutcome } : {}),
        ...(q.min_severity ? { minSeverity: q.min_severity as EventSeverity } : {}),
      };
      const principal = auth.callerOf(request);
      reply.hijack();
      const res = reply.raw;
      const headers: Record<string, string | number | string[]> = {};
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) headers[name] = value;
      }
      res.writeHead(200, {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 3000\n\n');
      open.add(res);
      let dropped = 0;
      const stop = relay.listen((event) => {
        if (!matchesLiveFilter(event, filter)) return;
        if (res.writableLength > maxBuffered) {
          dropped++;
          return;
        }
        if (dropped > 0) {
          res.write(`event: dropped\ndata: ${JSON.stringify({ count: dropped })}\n\n`);
          dropped = 0;
        }
        res.write(
          `id: ${event.id}\nevent: security-event\ndata: ${JSON.stringify(eventJson(event))}\n\n`,
        );
      });
      const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
      const expiresIn =
        principal.kind === 'user' ? principal.tokenExpiresAt * 1000 - Date.now() : undefined;
      const expiry =
        expiresIn === undefined ? undefined : setTimeout(() => res.end(), Math.max(expiresIn, 0));
      const cleanup = () => {
        stop();
        clearInterval(heartbeat);
        if (expiry) clearTimeout(expiry);
        open.delete(res);
      };
      res.on('close', cleanup);
      res.on('finish', cleanup);
    },
  );
};
