import { Type } from 'typebox';

const Name = Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' });
const AttributeValue = Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()]);
const Attributes = Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), AttributeValue, {
  maxProperties: 32,
  additionalProperties: false,
});
const Permission = Type.String({
  pattern: '^(\\*|(\\*|[a-z][a-z0-9-]{0,39}):(\\*|[a-z][a-z0-9-]{0,39}))$',
});

/**
 * One question: may this principal do this action on this resource? The caller (a
 * service holding `authz:check`) states the principal's roles and, for an API key, its
 * scopes, as it authenticated them. The time is the server's: a caller cannot move the
 * clock to pass a time window.
 */
export const CheckRequest = Type.Object(
  {
    principal: Type.Object(
      {
        kind: Type.Union([
          Type.Literal('user'),
          Type.Literal('service_account'),
          Type.Literal('api_key'),
        ]),
        id: Type.String({ minLength: 1, maxLength: 128 }),
        roles: Type.Array(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' }), {
          maxItems: 32,
        }),
        scopes: Type.Optional(Type.Array(Permission, { maxItems: 64 })),
      },
      { additionalProperties: false },
    ),
    action: Name,
    resource: Type.Object(
      {
        type: Name,
        id: Type.String({ minLength: 1, maxLength: 256 }),
        attributes: Type.Optional(Attributes),
      },
      { additionalProperties: false },
    ),
    context: Type.Optional(
      Type.Object(
        {
          ip: Type.Optional(Type.String({ maxLength: 64 })),
          environment: Type.Optional(
            Type.Union([
              Type.Literal('development'),
              Type.Literal('staging'),
              Type.Literal('production'),
            ]),
          ),
          attributes: Type.Optional(Attributes),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const CheckResult = Type.Object(
  {
    allowed: Type.Boolean(),
    reason: Type.String(),
    matched: Type.Union([
      Type.Object(
        {
          role: Type.Optional(Type.String()),
          permission: Type.Optional(Type.String()),
          grantId: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);

export const maxBatch = 100;

export const CheckBatchRequest = Type.Object(
  { checks: Type.Array(CheckRequest, { minItems: 1, maxItems: maxBatch }) },
  { additionalProperties: false },
);

export const CheckBatchResult = Type.Object(
  { results: Type.Array(CheckResult) },
  { additionalProperties: false },
);
