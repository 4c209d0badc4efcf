import { Type } from 'typebox';
import { AlertChannelSchema, AlertRuleSchema, AlertSeveritySchema } from './alert-schemas.js';

/** Response schemas of the alert routes: the allowlist of what leaves the server. */

const Labels = Type.Record(Type.String(), Type.String());
const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);

export const RuleBody = AlertRuleSchema;

export const RuleResponse = Type.Object(
  {
    ...AlertRuleSchema.properties,
    id: Type.String(),
    origin: Type.Union([Type.Literal('config'), Type.Literal('api')]),
    createdAt: NullableTime,
    updatedAt: NullableTime,
  },
  { additionalProperties: false },
);

export const ChannelBody = AlertChannelSchema;

/** A channel without its secrets: URLs may carry tokens, so only their origin is shown. */
export const ChannelResponse = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    type: Type.String(),
    origin: Type.Union([Type.Literal('config'), Type.Literal('api')]),
    target: Type.String({ description: 'E-mail addresses, or the origin of the URL.' }),
    signed: Type.Boolean({ description: 'Whether bodies carry X-Rampart-Signature.' }),
    template: Type.Union([Type.String(), Type.Null()]),
    createdAt: NullableTime,
    updatedAt: NullableTime,
  },
  { additionalProperties: false },
);

export const Matcher = Type.Object(
  {
    label: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }),
    op: Type.Union(
      [Type.Literal('='), Type.Literal('!='), Type.Literal('=~'), Type.Literal('!~')],
      {
        default: '=',
      },
    ),
    value: Type.String({ maxLength: 256 }),
  },
  { additionalProperties: false },
);

export const SilenceBody = Type.Object(
  {
    matchers: Type.Array(Matcher, { minItems: 1, maxItems: 16 }),
    startsAt: Type.Optional(Time),
    endsAt: Time,
    comment: Type.String({ default: '', maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const SilenceResponse = Type.Object(
  {
    id: Type.String(),
    matchers: Type.Array(Matcher),
    startsAt: Time,
    endsAt: Time,
    comment: Type.String(),
    createdBy: Type.Union([Type.String(), Type.Null()]),
    createdAt: Time,
    active: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const ActiveAlert = Type.Object(
  {
    fingerprint: Type.String(),
    ruleId: Type.String(),
    ruleName: Type.String(),
    severity: Type.String(),
    state: Type.Union([Type.Literal('pending'), Type.Literal('firing')]),
    labels: Labels,
    value: Type.Number(),
    activeSince: NullableTime,
    firedAt: NullableTime,
    notified: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const HistoryQuery = Type.Object(
  {
    ruleId: Type.Optional(Type.String({ maxLength: 128 })),
    fingerprint: Type.Optional(Type.String({ maxLength: 64 })),
    state: Type.Optional(
      Type.Union([Type.Literal('pending'), Type.Literal('firing'), Type.Literal('resolved')]),
    ),
    severity: Type.Optional(AlertSeveritySchema),
    since: Type.Optional(Time),
    until: Type.Optional(Time),
    limit: Type.Integer({ default: 100, minimum: 1, maximum: 500 }),
    cursor: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);

export const HistoryEntry = Type.Object(
  {
    id: Type.String(),
    fingerprint: Type.String(),
    ruleId: Type.String(),
    ruleName: Type.String(),
    severity: Type.String(),
    labels: Labels,
    state: Type.String(),
    value: Type.Number(),
    silenced: Type.Boolean(),
    notified: Type.Boolean(),
    time: Time,
  },
  { additionalProperties: false },
);

export const DeliveriesQuery = Type.Object(
  {
    channel: Type.Optional(Type.String({ maxLength: 64 })),
    outcome: Type.Optional(
      Type.Union([Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('refused')]),
    ),
    fingerprint: Type.Optional(Type.String({ maxLength: 64 })),
    limit: Type.Integer({ default: 100, minimum: 1, maximum: 500 }),
    cursor: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);

export const Delivery = Type.Object(
  {
    id: Type.String(),
    notificationId: Type.String(),
    deliveryId: Type.Union([Type.String(), Type.Null()]),
    fingerprint: Type.String(),
    channel: Type.String(),
    status: Type.String(),
    test: Type.Boolean(),
    outcome: Type.String(),
    attempts: Type.Integer(),
    error: Type.Union([Type.String(), Type.Null()]),
    startedAt: Time,
    durationMs: Type.Number(),
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);
