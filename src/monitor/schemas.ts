import { Type } from 'typebox';

const HealthStatus = Type.Union([Type.Literal('pass'), Type.Literal('warn'), Type.Literal('fail')]);

const HealthCheckResult = Type.Object({
  componentId: Type.Optional(Type.String()),
  componentType: Type.Optional(Type.String()),
  observedValue: Type.Optional(Type.Union([Type.Number(), Type.String(), Type.Boolean()])),
  observedUnit: Type.Optional(Type.String()),
  status: HealthStatus,
  output: Type.Optional(Type.String()),
  time: Type.String({ format: 'date-time' }),
});

/** An `application/health+json` report (draft-inadarei-api-health-check), for the OpenAPI. */
export const HealthReportSchema = Type.Object({
  status: HealthStatus,
  version: Type.String(),
  releaseId: Type.String(),
  serviceId: Type.String(),
  description: Type.String(),
  checks: Type.Record(Type.String(), Type.Array(HealthCheckResult), {
    description: 'Per `component:measurement`, what was observed.',
  }),
});
