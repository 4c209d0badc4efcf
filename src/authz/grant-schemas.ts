import { Type } from 'typebox';
import { AttributeValue, Instant, RoleNameSchema } from './schemas.js';

/** Request and response schemas of the grant routes (/v1/authz/grants), conditions included. */

const Environment = Type.Union([
  Type.Literal('development'),
  Type.Literal('staging'),
  Type.Literal('production'),
]);

const TimeWindowSchema = Type.Object(
  {
    days: Type.Optional(
      Type.Array(
        Type.Union(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => Type.Literal(d))),
        { minItems: 1, maxItems: 7, uniqueItems: true },
      ),
    ),
    from: Type.Optional(Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' })),
    to: Type.Optional(Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' })),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    start: Type.Optional(Instant),
    end: Type.Optional(Instant),
  },
  { additionalProperties: false },
);

const AttributePredicateSchema = Type.Object(
  {
    source: Type.Union([Type.Literal('context'), Type.Literal('resource')]),
    key: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    op: Type.Union([
      Type.Literal('equals'),
      Type.Literal('in'),
      Type.Literal('prefix'),
      Type.Literal('lt'),
      Type.Literal('lte'),
      Type.Literal('gt'),
      Type.Literal('gte'),
    ]),
    value: Type.Union([AttributeValue, Type.Array(AttributeValue, { maxItems: 100 })]),
  },
  { additionalProperties: false },
);

export const GrantConditionsSchema = Type.Object(
  {
    timeWindow: Type.Optional(TimeWindowSchema),
    ipCidrs: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 100 }),
    ),
    environments: Type.Optional(Type.Array(Environment, { minItems: 1, uniqueItems: true })),
    attributes: Type.Optional(Type.Array(AttributePredicateSchema, { maxItems: 32 })),
  },
  { additionalProperties: false },
);

const GrantSubjectSchema = Type.Union([
  Type.Object(
    { principal: Type.String({ minLength: 1, maxLength: 128 }) },
    { additionalProperties: false },
  ),
  Type.Object({ role: RoleNameSchema }, { additionalProperties: false }),
]);

export const GrantBody = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$' })),
    subject: GrantSubjectSchema,
    resourceType: Type.String({ pattern: '^(\\*|[a-z][a-z0-9-]{0,39})$' }),
    resourceId: Type.String({ minLength: 1, maxLength: 256 }),
    actions: Type.Array(Type.String({ pattern: '^(\\*|[a-z][a-z0-9-]{0,39})$' }), {
      minItems: 1,
      maxItems: 64,
      uniqueItems: true,
    }),
    effect: Type.Union([Type.Literal('allow'), Type.Literal('deny')], { default: 'allow' }),
    conditions: Type.Optional(GrantConditionsSchema),
  },
  { additionalProperties: false },
);

export const GrantJson = Type.Object(
  {
    id: Type.String(),
    subject: GrantSubjectSchema,
    resourceType: Type.String(),
    resourceId: Type.String(),
    actions: Type.Array(Type.String()),
    effect: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
    conditions: Type.Optional(GrantConditionsSchema),
    createdBy: Type.Union([Type.String(), Type.Null()]),
    createdAt: Instant,
  },
  { additionalProperties: false },
);
