import { Type } from 'typebox';
import { AlertChannelSchema, AlertRuleSchema } from '../monitor/alerts/alert-schemas.js';

/**
 * The `log`, `metrics` and `alerts` sections of the config schema (`health`, `detectors`
 * and `responses` have their own files).
 */

export const LogConfigSchema = Type.Object(
  {
    level: Type.Union(
      [
        Type.Literal('fatal'),
        Type.Literal('error'),
        Type.Literal('warn'),
        Type.Literal('info'),
        Type.Literal('debug'),
        Type.Literal('trace'),
        Type.Literal('silent'),
      ],
      { default: 'info', description: 'Least severe level written to the log.' },
    ),
    stdout: Type.Boolean({
      default: true,
      description: 'Write log lines to standard output.',
    }),
    file: Type.Optional(
      Type.Object(
        {
          path: Type.String({
            minLength: 1,
            description:
              'Log file path (directories are created); rotated files are numbered after it: rampart.log → rampart.1.log, rampart.2.log… (the highest is current).',
          }),
          maxSize: Type.Integer({
            default: 10_485_760,
            minimum: 1024,
            maximum: 10_737_418_240,
            description: 'Bytes after which the file is rotated.',
          }),
          maxFiles: Type.Integer({
            default: 10,
            minimum: 1,
            maximum: 10_000,
            description:
              'Rotated files kept besides the current one; older ones are deleted (including those of earlier runs).',
          }),
          frequency: Type.Optional(
            Type.Union([Type.Literal('daily'), Type.Literal('hourly')], {
              description: 'Also rotate every day or hour, whatever the size.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { default: {}, additionalProperties: false },
);

export const MetricsConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description: 'Serve Prometheus metrics at GET /metrics.',
    }),
    token: Type.Optional(
      Type.String({
        minLength: 16,
        description:
          'Bearer token a scraper must present (Authorization: Bearer …; at least 16 characters). Required in production unless metrics.port is set.',
      }),
    ),
    port: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 65_535,
        description:
          'Serve /metrics on this separate port (on metrics.host) instead of the main listener.',
      }),
    ),
    host: Type.String({
      default: '127.0.0.1',
      minLength: 1,
      description: 'Address the separate metrics listener binds to (with metrics.port).',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const AlertsConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description: 'Evaluate alert rules and notify channels (one node of a cluster at a time).',
    }),
    evaluationIntervalMs: Type.Integer({
      default: 5000,
      minimum: 10,
      maximum: 3_600_000,
      description:
        'Milliseconds between rule evaluations; a detector signal also triggers one at once.',
    }),
    historyRetentionDays: Type.Integer({
      default: 90,
      minimum: 0,
      maximum: 36_500,
      description:
        'Days of alert history and delivery records kept (pruned hourly); 0 keeps everything.',
    }),
    rules: Type.Array(AlertRuleSchema, {
      default: [],
      description:
        'Alert rules (config file only; more through /v1/alerts/rules): {name, metric: {name, labels} or signal: {labels, field?}, aggregation, window, operator, threshold, for, severity, labels, annotations, channels, cooldown, repeatInterval, groupBy}.',
    }),
    channels: Type.Array(AlertChannelSchema, {
      default: [],
      description:
        'Notification channels (config file only; more through /v1/alerts/channels): {name, type (email, slack, webhook or alertmanager), to (email) or url, secret (webhook), template?}.',
    }),
    delivery: Type.Object(
      {
        attempts: Type.Integer({
          default: 4,
          minimum: 1,
          maximum: 20,
          description: 'Attempts per notification and channel, the first included.',
        }),
        timeoutMs: Type.Integer({
          default: 5000,
          minimum: 10,
          maximum: 120_000,
          description: 'Milliseconds one delivery attempt may take.',
        }),
        backoffMs: Type.Integer({
          default: 250,
          minimum: 1,
          maximum: 60_000,
          description: 'Backoff base: retry n waits a random time below backoffMs × 2^n.',
        }),
        maxBackoffMs: Type.Integer({
          default: 10_000,
          minimum: 1,
          maximum: 600_000,
          description: 'Ceiling of a retry wait.',
        }),
        circuitFailures: Type.Integer({
          default: 5,
          minimum: 1,
          maximum: 1000,
          description: "Consecutive failed attempts that open a channel's circuit.",
        }),
        circuitOpenDuration: Type.Integer({
          default: 30,
          minimum: 1,
          maximum: 3600,
          description: 'Seconds an open channel circuit refuses deliveries before a probe.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);
