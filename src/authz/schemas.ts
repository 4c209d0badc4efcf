import { Type } from 'typebox';

/**
 * The schemas of the decision routes (check, batch check, explain) and the pieces the
 * other authz route schemas share. Each other resource has its own file: role-schemas.ts
 * (roles and role assignments), grant-schemas.ts, approval-schemas.ts.
 */

const Name = Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' });
export const AttributeValue = Type.Union([
  Type.String({ maxLength: 256 }),
  Type.Number(),
  Type.Boolean(),
]);
const Attributes = Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), AttributeValue, {
  maxProperties: 32,
  additionalProperties: false,
});
export const Permission = Type.String({
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

export const RoleNameSchema = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' });
export const Instant = Type.String({ format: 'date-time' });

export const Pagination = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    after: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);

export const ExplainResult = Type.Object(
  {
    decision: CheckResult,
    principal: Type.Object(
      { id: Type.String(), kind: Type.String(), roles: Type.Array(Type.String()) },
      { additionalProperties: false },
    ),
    roles: Type.Array(
      Type.Object(
        {
          role: Type.String(),
          path: Type.Array(Type.String()),
          permissions: Type.Array(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    environment: Type.Union([
      Type.Object(
        {
          environment: Type.String(),
          allowedRoles: Type.Array(Type.String()),
          allowed: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    scope: Type.Union([
      Type.Object(
        { scopes: Type.Array(Type.String()), allowed: Type.Boolean() },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    grants: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          effect: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
          via: Type.String(),
          outcome: Type.String(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
