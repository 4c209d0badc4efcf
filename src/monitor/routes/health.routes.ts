import type { FastifyPluginAsync } from 'fastify';
import { type HealthCheck, type HealthReport, runHealthChecks } from '../core/health.js';
import { HealthReportSchema } from '../schemas.js';

export interface HealthRoutesOptions {
  version: string;
  /** Readiness checks: storage, migrations, hot store, keys. */
  readiness: readonly HealthCheck[];
  timeoutMs?: number;
  startedAt?: number;
}

const healthContentType = 'application/health+json';

// Documentation only: the report is sent as a string, so no serializer runs over it.
function healthResponse(description: string) {
  return { description, content: { [healthContentType]: { schema: HealthReportSchema } } };
}

/**
 * `GET /health`: liveness, no I/O (the process answers). `GET /health/ready`: every
 * dependency a request needs; `fail` answers 503 so a load balancer routes elsewhere.
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  const startedAt = options.startedAt ?? Date.now();
  const identity = {
    version: '1',
    releaseId: options.version,
    serviceId: 'rampart',
    description: 'Rampart security service',
  };

  const send = (report: HealthReport) => JSON.stringify(report);

  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness (no I/O)',
        response: { 200: healthResponse('The process answers') },
      },
    },
    async (_request, reply) => {
      const report: HealthReport = {
        ...identity,
        status: 'pass',
        checks: {
          uptime: [
            {
              componentType: 'system',
              observedValue: Math.round((Date.now() - startedAt) / 1000),
              observedUnit: 's',
              status: 'pass',
              time: new Date().toISOString(),
            },
          ],
        },
      };
      return reply.type(healthContentType).header('cache-control', 'no-store').send(send(report));
    },
  );

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: database, migrations, hot store, signing keys',
        response: {
          200: healthResponse('Every dependency passes (or warns)'),
          503: healthResponse('A dependency fails; route traffic elsewhere'),
        },
      },
    },
    async (_request, reply) => {
      const report = await runHealthChecks(options.readiness, identity, {
        timeoutMs: options.timeoutMs ?? 2000,
      });
      return reply
        .code(report.status === 'fail' ? 503 : 200)
        .type(healthContentType)
        .header('cache-control', 'no-store')
        .send(send(report));
    },
  );
};
