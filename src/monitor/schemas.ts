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

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const OverviewNumbers = {
  requests: NullableNumber,
  errors: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Responses with a 5xx status.',
  }),
  error_rate: Type.Union([Type.Number(), Type.Null()], { description: 'errors / requests.' }),
  latency_ms: Type.Union([Type.Number(), Type.Null()], { description: 'Mean response time.' }),
  logins_succeeded: Type.Integer(),
  logins_failed: Type.Integer({ description: 'Failed password logins and MFA steps.' }),
  rate_limited: Type.Integer({ description: 'Requests refused by a rate limit.' }),
  blocked: Type.Integer({ description: 'Requests refused by an IP rule or ban.' }),
};

/** `GET /v1/monitor/overview`. HTTP fields are null when metrics are off. */
export const OverviewSchema = Type.Object(
  {
    window: Type.String(),
    step_seconds: Type.Integer(),
    generated_at: Type.String({ format: 'date-time' }),
    http_series: Type.Boolean({ description: 'False when metrics.enabled is false.' }),
    totals: Type.Object(OverviewNumbers, { additionalProperties: false }),
    points: Type.Array(
      Type.Object(
        { time: Type.String({ format: 'date-time' }), ...OverviewNumbers },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
