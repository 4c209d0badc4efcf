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

const ScheduledCheckResult = Type.Object({
  componentId: Type.String({ description: 'The check name.' }),
  componentType: Type.Optional(Type.String()),
  checkType: Type.String({ description: 'http, tcp, database, redis, disk, memory, eventLoop…' }),
  observedValue: Type.Optional(Type.Union([Type.Number(), Type.String(), Type.Boolean()])),
  observedUnit: Type.Optional(Type.String()),
  status: HealthStatus,
  output: Type.Optional(Type.String()),
  time: Type.String({ format: 'date-time', description: 'When the check last ran.' }),
  impact: Type.Union([Type.Literal('degraded'), Type.Literal('unhealthy')]),
  consecutiveFailures: Type.Integer({ minimum: 0 }),
  since: Type.String({ format: 'date-time', description: 'When the status last changed.' }),
  durationMs: Type.Optional(Type.Number()),
});

/** `GET /v1/health/checks`: health+json of this node's scheduled checks. */
export const ScheduledHealthReportSchema = Type.Object({
  status: HealthStatus,
  health: Type.Union(
    [Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')],
    { description: 'healthy → pass, degraded → warn, unhealthy → fail.' },
  ),
  version: Type.String(),
  releaseId: Type.String(),
  serviceId: Type.String(),
  description: Type.String(),
  nodeId: Type.String(),
  checks: Type.Record(Type.String(), Type.Array(ScheduledCheckResult), {
    description: 'Per `check:measurement`, the current state.',
  }),
});

export const HealthHistoryQuerySchema = Type.Object(
  {
    check: Type.Optional(
      Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$', description: 'One check by name.' }),
    ),
    node: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$', description: 'One node.' }),
    ),
    since: Type.Optional(
      Type.String({ format: 'date-time', description: 'Entries at or after this time.' }),
    ),
    changes: Type.Boolean({
      default: false,
      description: 'Only state changes (of checks and of the overall status), not every run.',
    }),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f-]{36}$',
        description: 'nextCursor of the previous page.',
      }),
    ),
  },
  { additionalProperties: false },
);

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

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

export const HealthHistoryEntrySchema = Type.Object(
  {
    id: Type.String(),
    time: Type.String({ format: 'date-time' }),
    nodeId: Type.String(),
    kind: Type.Union([
      Type.Literal('run'),
      Type.Literal('check_changed'),
      Type.Literal('status_changed'),
    ]),
    check: Nullable(Type.String()),
    checkType: Nullable(Type.String()),
    status: HealthStatus,
    previousStatus: Nullable(HealthStatus),
    observedValue: Nullable(Type.Union([Type.Number(), Type.String(), Type.Boolean()])),
    observedUnit: Nullable(Type.String()),
    output: Nullable(Type.String()),
    durationMs: Nullable(Type.Number()),
  },
  { additionalProperties: false },
);

export const HealthHistoryResponseSchema = Type.Object(
  {
    entries: Type.Array(HealthHistoryEntrySchema),
    nextCursor: Nullable(Type.String()),
  },
  { additionalProperties: false },
);
