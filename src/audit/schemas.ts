import { Type } from 'typebox';

// Response schemas are the allowlist of fields that leave the server.

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

export const AuditEventSchema = Type.Object(
  {
    seq: Type.Integer(),
    id: Type.String(),
    time: Type.String({ format: 'date-time' }),
    actor: Type.Object(
      {
        kind: Type.String(),
        id: Nullable(Type.String()),
        ip: Nullable(Type.String()),
        user_agent: Nullable(Type.String()),
        api_key_id: Nullable(Type.String()),
      },
      { additionalProperties: false },
    ),
    action: Type.String(),
    target: Nullable(
      Type.Object(
        { type: Type.String(), id: Nullable(Type.String()) },
        { additionalProperties: false },
      ),
    ),
    outcome: Type.String(),
    severity: Type.String(),
    environment: Type.String(),
    request_id: Nullable(Type.String()),
    risk: Type.Integer({ minimum: 0, maximum: 10 }),
    details: Type.Object({}, { additionalProperties: true }),
    hash: Type.String(),
  },
  { additionalProperties: false },
);

const filterFields = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive start time.' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive end time.' })),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Actor id.' })),
  actor_kind: Type.Optional(
    Type.Union([
      Type.Literal('user'),
      Type.Literal('service_account'),
      Type.Literal('api_key'),
      Type.Literal('anonymous'),
      Type.Literal('system'),
    ]),
  ),
  action: Type.Optional(
    Type.String({
      pattern: '^[a-z_.]+\\*?$',
      maxLength: 100,
      description: 'An event type, or a prefix ending in * (auth.*).',
    }),
  ),
  outcome: Type.Optional(
    Type.Union([Type.Literal('success'), Type.Literal('failure'), Type.Literal('denied')]),
  ),
  min_risk: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
  target_type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  target_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
};

export const AuditEventsQuery = Type.Object(
  {
    ...filterFields,
    order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' }),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const AuditEventsResponse = Type.Object(
  {
    events: Type.Array(AuditEventSchema),
    next_cursor: Nullable(Type.String()),
  },
  { additionalProperties: false },
);

export const AuditExportQuery = Type.Object(
  {
    ...filterFields,
    format: Type.Union([Type.Literal('jsonl'), Type.Literal('csv')], { default: 'jsonl' }),
  },
  { additionalProperties: false },
);

export const CheckpointSchema = Type.Object(
  {
    id: Type.String(),
    seq: Type.Integer(),
    hash: Type.String(),
    time: Type.String({ format: 'date-time' }),
    time_ms: Type.Integer(),
    kind: Type.String(),
    key_id: Type.String(),
    public_key: Type.String(),
    signature: Type.String(),
  },
  { additionalProperties: false },
);

export const CheckpointListResponse = Type.Object(
  { checkpoints: Type.Array(CheckpointSchema) },
  { additionalProperties: false },
);

export const VerifyResponse = Type.Object(
  {
    ok: Type.Boolean(),
    checked: Type.Integer(),
    last_seq: Type.Integer(),
    last_checkpoint_seq: Nullable(Type.Integer()),
    anchor_seq: Nullable(Type.Integer()),
    first_bad_seq: Nullable(Type.Integer()),
    problem: Nullable(Type.String()),
  },
  { additionalProperties: false },
);

export const CheckpointKeyResponse = Type.Object(
  {
    algorithm: Type.Literal('Ed25519'),
    key_id: Type.String(),
    public_key: Type.String({ description: 'Raw 32-byte public key, base64url.' }),
    jwk: Type.Object(
      { kty: Type.Literal('OKP'), crv: Type.Literal('Ed25519'), x: Type.String() },
      { additionalProperties: false },
    ),
    trusted_keys: Type.Array(Type.String()),
    payload: Type.String({ description: 'How the signed bytes are formed.' }),
  },
  { additionalProperties: false },
);

export const AnalyticsQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 24 h ago.' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now.' })),
    work_start: Type.Integer({ minimum: 0, maximum: 23, default: 7, description: 'UTC hour.' }),
    work_end: Type.Integer({ minimum: 0, maximum: 24, default: 19, description: 'UTC hour.' }),
    min_failures: Type.Integer({ minimum: 1, maximum: 10_000, default: 3 }),
  },
  { additionalProperties: false },
);

const Iso = Type.String({ format: 'date-time' });

export const AnalyticsResponse = Type.Object(
  {
    from: Iso,
    to: Iso,
    total: Type.Integer(),
    failures: Type.Integer(),
    failure_rate: Type.Number(),
    high_risk: Type.Array(AuditEventSchema),
    repeated_failures: Type.Array(
      Type.Object(
        { actor_id: Type.String(), failures: Type.Integer(), last_seen: Iso },
        { additionalProperties: false },
      ),
    ),
    new_ips: Type.Array(
      Type.Object(
        { actor_id: Type.String(), ip: Type.String(), first_seen: Iso },
        { additionalProperties: false },
      ),
    ),
    off_hours: Type.Array(AuditEventSchema),
    actors: Type.Array(
      Type.Object(
        {
          actor_id: Type.String(),
          events: Type.Integer(),
          failures: Type.Integer(),
          max_risk: Type.Integer(),
          ips: Type.Integer(),
          last_seen: Iso,
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
