import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Authenticator } from '../../identity/authenticate.js';
import type { HealthService } from '../health/health-service.js';
import {
  HealthHistoryQuerySchema,
  HealthHistoryResponseSchema,
  ScheduledHealthReportSchema,
} from '../schemas.js';

export interface HealthChecksRoutesOptions {
  health: HealthService;
  auth: Authenticator;
}

const healthContentType = 'application/health+json';

/** The permission to read check states and history (ADMIN holds `*`, VIEWER `*:read`). */
export const monitorReadPermission = 'monitor:read';

/**
 * `GET /v1/health/checks`: this node's scheduled checks as health+json.
 * `GET /v1/health/history`: their runs and state changes, newest first, kept by every node.
 */
export const healthChecksRoutes: FastifyPluginAsyncTypebox<HealthChecksRoutesOptions> = async (
  app,
  { health, auth },
) => {
  const canRead = auth.requirePermission(monitorReadPermission);

  app.get(
    '/v1/health/checks',
    {
      preHandler: canRead,
      schema: {
        tags: ['health'],
        summary: "This node's scheduled health checks and overall status (health+json)",
        security: [{ bearerAuth: [] }],
        response: {
          // Serialised by this schema for the health+json type: it is the allowlist.
          200: {
            description: 'The current state of every check',
            content: { [healthContentType]: { schema: ScheduledHealthReportSchema } },
          },
        },
      },
    },
    async (_request, reply) =>
      reply.type(healthContentType).header('cache-control', 'no-store').send(health.report()),
  );

  app.get(
    '/v1/health/history',
    {
      preHandler: canRead,
      schema: {
        tags: ['health'],
        summary: 'Check runs and state changes, newest first, with cursor pagination',
        security: [{ bearerAuth: [] }],
        querystring: HealthHistoryQuerySchema,
        response: { 200: HealthHistoryResponseSchema },
      },
    },
    async (request) => {
      const q = request.query;
      const entries = await health.history({
        ...(q.check !== undefined ? { check: q.check } : {}),
        ...(q.node !== undefined ? { nodeId: q.node } : {}),
        ...(q.since !== undefined ? { since: Date.parse(q.since) } : {}),
        ...(q.cursor !== undefined ? { beforeId: q.cursor } : {}),
        changesOnly: q.changes,
        limit: q.limit,
      });
      return {
        entries: entries.map((e) => ({ ...e, time: new Date(e.time).toISOString() })),
        nextCursor: entries.length === q.limit ? (entries.at(-1)?.id ?? null) : null,
      };
    },
  );
};
