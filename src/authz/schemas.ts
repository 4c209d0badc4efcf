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

const RoleNameSchema = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' });
const Instant = Type.String({ format: 'date-time' });
const Environment = Type.Union([
  Type.Literal('development'),
  Type.Literal('staging'),
  Type.Literal('production'),
]);

export const RoleParams = Type.Object({ name: RoleNameSchema }, { additionalProperties: false });

export const RoleBody = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 500 })),
    inherits: Type.Array(RoleNameSchema, { default: [], maxItems: 64, uniqueItems: true }),
    permissions: Type.Array(Permission, { default: [], maxItems: 256, uniqueItems: true }),
  },
  { additionalProperties: false },
);

export const RoleJson = Type.Object(
  {
    name: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    builtIn: Type.Boolean(),
    inherits: Type.Array(Type.String()),
    permissions: Type.Array(Type.String()),
    createdAt: Type.Union([Instant, Type.Null()]),
    updatedAt: Type.Union([Instant, Type.Null()]),
  },
  { additionalProperties: false },
);

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

export const AssignmentParams = Type.Object(
  { principalId: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);

export const AssignmentBody = Type.Object(
  { roles: Type.Array(RoleNameSchema, { maxItems: 64, uniqueItems: true }) },
  { additionalProperties: false },
);

export const AssignmentJson = Type.Object(
  { principalId: Type.String(), roles: Type.Array(Type.String()) },
  { additionalProperties: false },
);

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

export const ApprovalParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const ApprovalDecisionBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const ApprovalJson = Type.Object(
  {
    id: Type.String(),
    operation: Type.String(),
    requesterId: Type.String(),
    required: Type.Integer(),
    approvers: Type.Array(Type.String()),
    status: Type.Union([
      Type.Literal('pending'),
      Type.Literal('approved'),
      Type.Literal('rejected'),
      Type.Literal('spent'),
      Type.Literal('expired'),
    ]),
    reason: Type.Union([Type.String(), Type.Null()]),
    createdAt: Instant,
    expiresAt: Instant,
    decidedBy: Type.Union([Type.String(), Type.Null()]),
    decidedAt: Type.Union([Instant, Type.Null()]),
    policy: Type.Union([Type.String(), Type.Null()], {
      description: 'The approval policy that asked for it; null for authz.approvals.routes.',
    }),
    approverRole: Type.String({ description: 'The role an approver holds or inherits.' }),
    note: Type.Union([Type.String(), Type.Null()], {
      description: "The requester's reason.",
    }),
    request: Type.Union(
      [
        Type.Object(
          { method: Type.String(), url: Type.String(), body: Type.Unknown() },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      { description: 'The exact request approved (what POST …/execute runs).' },
    ),
  },
  { additionalProperties: false },
);

export const ApprovalCreateBody = Type.Object(
  {
    method: Type.Union(
      [
        Type.Literal('POST'),
        Type.Literal('PUT'),
        Type.Literal('PATCH'),
        Type.Literal('DELETE'),
        Type.Literal('GET'),
      ],
      { description: 'The method of the operation to approve.' },
    ),
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      pattern: '^/(?!/)[^\\s#]*$',
      description: 'Path and query of the operation, as it will be executed (`/v1/…`).',
    }),
    body: Type.Optional(Type.Unknown({ description: 'Its JSON body, if it has one.' })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);
