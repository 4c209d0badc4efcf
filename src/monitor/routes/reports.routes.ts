import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RampartConfig } from '../../config/schema.js';
import { RampartError } from '../../errors/rampart-error.js';
import type { Authenticator } from '../../identity/authenticate.js';
import { type EventCounts, securityReport } from '../incidents/security-report.js';
import { responseErrors } from '../response/errors.js';

export interface ReportRoutesOptions {
  source: EventCounts;
  config: RampartConfig;
  auth: Authenticator;
}

const Counts = Type.Record(Type.String(), Type.Integer());
const NullableMs = Type.Union([Type.Integer(), Type.Null()]);
const maxPeriodMs = 366 * 86_400_000;

export const SecurityReportSchema = Type.Object(
  {
    period: Type.Object(
      { from: Type.String(), to: Type.String() },
      { additionalProperties: false },
    ),
    authentication: Counts,
    operations: Type.Object(
      {
        events: Type.Integer(),
        denied: Type.Integer(),
        signals: Type.Integer(),
        ipBans: Type.Integer(),
        rateLimited: Type.Integer(),
        replays: Type.Integer(),
        authzDenied: Type.Integer(),
        alertsFired: Type.Integer(),
        responseActions: Type.Record(Type.String(), Counts),
      },
      { additionalProperties: false },
    ),
    compliance: Type.Object(
      {
        coverage: Type.Number(),
        controls: Type.Array(
          Type.Object(
            { control: Type.String(), enabled: Type.Boolean(), detail: Type.String() },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    incidents: Type.Object(
      {
        opened: Type.Integer(),
        bySeverity: Counts,
        byStatus: Counts,
        mttd: NullableMs,
        mtta: NullableMs,
        mttc: NullableMs,
        mttr: NullableMs,
        items: Type.Array(
          Type.Object(
            {
              id: Type.String(),
              title: Type.String(),
              severity: Type.String(),
              status: Type.String(),
              openedAt: Type.String(),
              timeToDetect: Type.Integer(),
              timeToAcknowledge: NullableMs,
              timeToContain: NullableMs,
              timeToResolve: NullableMs,
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** The security report over any period (ADMIN). */
export const reportRoutes: FastifyPluginAsyncTypebox<ReportRoutesOptions> = async (
  app,
  { source, config, auth },
) => {
  app.get(
    '/v1/reports/security',
    {
      preHandler: auth.requireRole('ADMIN'),
      schema: {
        tags: ['monitor'],
        summary:
          'Security report: authentication, operations, compliance coverage, incidents with MTTD/MTTR',
        security: [{ bearerAuth: [] }],
        querystring: Type.Object(
          {
            from: Type.String({ format: 'date-time' }),
            to: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: SecurityReportSchema },
      },
    },
    async (request) => {
      const from = Date.parse(request.query.from);
      const to = request.query.to ? Date.parse(request.query.to) : Date.now();
      if (!(from < to) || to - from > maxPeriodMs) {
        throw new RampartError(responseErrors.report_range_invalid);
      }
      return securityReport(source, config, from, to);
    },
  );
};
