import { Type } from 'typebox';

// The health section of the configuration (src/config/schema.ts), on its own: the check
// union is long and its own concern.

const checkTiming = {
  interval: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 86_400,
      description: 'Seconds between runs; default health.interval.',
    }),
  ),
  timeoutMs: Type.Optional(
    Type.Integer({
      minimum: 10,
      maximum: 120_000,
      description:
        'Milliseconds an attempt may take before it fails (each attempt, with retries); default health.timeoutMs.',
    }),
  ),
  failureThreshold: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 100,
      description:
        'Consecutive bad runs before the check changes to warn or fail; default health.failureThreshold.',
    }),
  ),
  impact: Type.Optional(
    Type.Union([Type.Literal('degraded'), Type.Literal('unhealthy')], {
      description:
        'What the check failing does to the overall status (default: unhealthy for database, redis and disk, degraded for the others).',
    }),
  ),
};
const probeRetries = {
  retries: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 5,
      description:
        'Attempts after a failed one within a run (backoff with jitter, each attempt bounded by timeoutMs); a run fails only when every attempt failed. Default 0.',
    }),
  ),
};
const requiredCheckName = Type.String({
  pattern: '^[a-z0-9][a-z0-9_.-]{0,63}$',
  description: 'Unique check name (lower case); default: the type, for built-in checks.',
});
const optionalCheckName = Type.Optional(requiredCheckName);

/** One entry of health.checks, by type. */
export const HealthCheckConfigSchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal('http'),
      name: requiredCheckName,
      url: Type.String({ pattern: '^https?://', description: 'URL requested by the check.' }),
      method: Type.String({ default: 'GET', pattern: '^[A-Z]{3,7}$' }),
      expectedStatus: Type.Optional(
        Type.Integer({
          minimum: 100,
          maximum: 599,
          description: 'The status that passes; default any 2xx.',
        }),
      ),
      ...probeRetries,
      ...checkTiming,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('tcp'),
      name: requiredCheckName,
      host: Type.String({ minLength: 1 }),
      port: Type.Integer({ minimum: 1, maximum: 65_535 }),
      ...probeRetries,
      ...checkTiming,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Union([Type.Literal('database'), Type.Literal('redis')], {
        description: 'database pings the SQL database; redis pings the hot store.',
      }),
      name: optionalCheckName,
      ...checkTiming,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('disk'),
      name: optionalCheckName,
      path: Type.Optional(
        Type.String({ minLength: 1, description: 'A path on the file system; default dataDir.' }),
      ),
      warnFreePercent: Type.Number({ default: 15, minimum: 0, maximum: 100 }),
      failFreePercent: Type.Number({ default: 5, minimum: 0, maximum: 100 }),
      ...checkTiming,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('memory'),
      name: optionalCheckName,
      warnPercent: Type.Number({
        default: 85,
        minimum: 1,
        maximum: 100,
        description: 'V8 heap used, in percent of its limit, that warns.',
      }),
      failPercent: Type.Number({ default: 95, minimum: 1, maximum: 100 }),
      ...checkTiming,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('eventLoop'),
      name: optionalCheckName,
      warnMs: Type.Number({
        default: 200,
        minimum: 1,
        description: 'Event-loop delay (99th percentile since the last run) that warns.',
      }),
      failMs: Type.Number({ default: 1000, minimum: 1 }),
      ...checkTiming,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('auditBacklog'),
      name: optionalCheckName,
      warnAt: Type.Integer({
        default: 1000,
        minimum: 1,
        description: 'Events waiting for the audit trail that warn.',
      }),
      failAt: Type.Integer({ default: 10_000, minimum: 1 }),
      ...checkTiming,
    },
    { additionalProperties: false },
  ),
]);

/** `health.*`: scheduled checks, their defaults and the history. */
export const HealthConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description:
        'Run health checks on a schedule: state changes become events, results are kept (GET /v1/health/checks, /v1/health/history).',
    }),
    nodeId: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$',
        description: "This node's name in the check history; default <hostname>:<pid>.",
      }),
    ),
    interval: Type.Integer({
      default: 30,
      minimum: 1,
      maximum: 86_400,
      description: 'Default seconds between runs of a check.',
    }),
    timeoutMs: Type.Integer({
      default: 5000,
      minimum: 10,
      maximum: 120_000,
      description: 'Default milliseconds a run may take before it fails.',
    }),
    failureThreshold: Type.Integer({
      default: 3,
      minimum: 1,
      maximum: 100,
      description: 'Default consecutive bad runs before a check changes state.',
    }),
    builtins: Type.Boolean({
      default: true,
      description:
        'Also run the built-in checks (database, redis, disk, memory, eventLoop, auditBacklog) with their defaults, except the types listed in health.checks.',
    }),
    checks: Type.Array(HealthCheckConfigSchema, {
      default: [],
      description:
        'Checks to run (config file only): {type: http, name, url, method?, expectedStatus?, retries?}, {type: tcp, name, host, port, retries?}, or a built-in type (database, redis, disk, memory, eventLoop, auditBacklog) with its thresholds; each with interval?, timeoutMs? (per attempt), failureThreshold?, impact?.',
    }),
    history: Type.Object(
      {
        results: Type.Boolean({
          default: true,
          description: 'Record every run in the history; false records state changes only.',
        }),
        retentionDays: Type.Integer({
          default: 7,
          minimum: 1,
          maximum: 3650,
          description: 'Delete history older than this many days (checked hourly).',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);
