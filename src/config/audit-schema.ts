import { Type } from 'typebox';

/**
 * The `audit` section of the config schema: the hash-chained audit trail.
 */

export const AuditConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description:
        'Persist every security event in the hash-chained audit trail (publishers wait until it is stored).',
    }),
    flushDelayMs: Type.Integer({
      default: 0,
      minimum: 0,
      maximum: 1000,
      description:
        'Group commit: milliseconds to gather more events before writing a batch; 0 writes on the next event-loop turn (events arriving during a write join the next batch).',
    }),
    maxBatch: Type.Integer({
      default: 1000,
      minimum: 1,
      maximum: 10_000,
      description: 'Most events written in one transaction.',
    }),
    checkpointEvery: Type.Integer({
      default: 1000,
      minimum: 1,
      maximum: 10_000_000,
      description: 'Write a signed checkpoint after this many records.',
    }),
    checkpointInterval: Type.Integer({
      default: 60,
      minimum: 1,
      maximum: 86_400,
      description: 'Seconds between signed checkpoints while records arrive.',
    }),
    retentionDays: Type.Integer({
      default: 0,
      minimum: 0,
      maximum: 36_500,
      description:
        'Delete records older than this many days (checked hourly), keeping the rest verifiable through a signed anchor; 0 keeps everything.',
    }),
    riskBase: Type.Array(Type.String({ pattern: '^[a-z_.]+\\*?=(10|[0-9])$' }), {
      default: [],
      description:
        'Base risk scores as type=score, merged over the built-in table: an exact event type or a prefix ending in * (apikey.*=9).',
    }),
    trustedKeys: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }), {
      default: [],
      description:
        'Earlier checkpoint public keys (base64url) that verification still trusts after the master key was rotated.',
    }),
  },
  { default: {}, additionalProperties: false },
);
