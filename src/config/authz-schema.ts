import { Type } from 'typebox';

/**
 * The `authz` section of the config schema: environment access, step-up and approvals.
 */

/** A dotted path into a JSON request body (`changes.items`). */
const BodyPath = Type.String({
  pattern: '^[A-Za-z0-9_-]{1,64}(\\.[A-Za-z0-9_-]{1,64}){0,7}$',
  description: 'A dotted path into the JSON request body, e.g. `changes.items`.',
});

/** One approval policy (config `authz.approvals.policies`). */
export const ApprovalPolicySchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
    routes: Type.Array(Type.String({ pattern: '^[A-Z]{3,7} /' }), {
      minItems: 1,
      maxItems: 256,
    }),
    required: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    approverRole: Type.Optional(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' })),
    when: Type.Optional(
      Type.Object(
        {
          /** Applies only when Rampart runs in one of these (`env`). */
          environments: Type.Optional(
            Type.Array(
              Type.Union([
                Type.Literal('development'),
                Type.Literal('staging'),
                Type.Literal('production'),
              ]),
              { minItems: 1, maxItems: 3, uniqueItems: true },
            ),
          ),
          /** Applies when the array at `path` in the body has at least `count` items. */
          minItems: Type.Optional(
            Type.Object(
              { path: BodyPath, count: Type.Integer({ minimum: 1, maximum: 1_000_000 }) },
              { additionalProperties: false },
            ),
          ),
          /** Applies when the body has `true` at this path (e.g. `breaking`). */
          bodyFlag: Type.Optional(BodyPath),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const EnvironmentRoles = (env: string) =>
  Type.Array(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' }), {
    maxItems: 64,
    description: `Roles that may act in ${env} (and every role inheriting one of them).`,
  });

/** Routes that need a recent MFA login unless `authz.stepUp.routes` says otherwise. */
export const stepUpDefaultRoutes = [
  'POST /v1/admin/signing-keys/rotate',
  'PUT /v1/authz/roles/:name',
  'DELETE /v1/authz/roles/:name',
  'POST /v1/authz/grants',
  'DELETE /v1/authz/grants/:id',
  'PUT /v1/authz/assignments/:principalId',
  'PUT /v1/admin/accounts/:id/roles',
  'DELETE /v1/admin/accounts/:id',
] as const;

export const AuthzConfigSchema = Type.Object(
  {
    environment: Type.Object(
      {
        development: Type.Optional(EnvironmentRoles('development')),
        staging: Type.Optional(EnvironmentRoles('staging')),
        production: Type.Optional(EnvironmentRoles('production')),
      },
      {
        default: {},
        additionalProperties: false,
        description:
          'Environment access matrix: which roles may act in which environment. Rampart decides its own routes in `env`; an environment left out is open to every role.',
      },
    ),
    stepUp: Type.Object(
      {
        maxAge: Type.Integer({
          default: 300,
          minimum: 30,
          maximum: 86_400,
          description:
            "Seconds since the last MFA login within which a step-up route is allowed (the token's auth_time and amr).",
        }),
        routes: Type.Array(Type.String({ pattern: '^[A-Z]{3,7} /' }), {
          default: [...stepUpDefaultRoutes],
          maxItems: 256,
          description:
            'Routes (`METHOD /route/:pattern`, as registered) that need a recent MFA login; otherwise 401 step_up_required.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    approvals: Type.Object(
      {
        routes: Type.Array(Type.String({ pattern: '^[A-Z]{3,7} /' }), {
          default: [],
          maxItems: 256,
          description:
            "Routes (`METHOD /route/:pattern`) that run only with a second administrator's approval: the first call answers 202 approval_required with an approval id; once approved, the requester repeats it with the Approval-Id header, once.",
        }),
        ttl: Type.Integer({
          default: 86_400,
          minimum: 60,
          maximum: 30 * 86_400,
          description: 'Seconds an approval request stays open (and an approval usable).',
        }),
        required: Type.Integer({
          default: 1,
          minimum: 1,
          maximum: 10,
          description:
            'Distinct approvers (holders of approverRole, never the requester) a request needs before it may run.',
        }),
        approverRole: Type.String({
          default: 'ADMIN',
          pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$',
          description: 'Role an approver must hold (or inherit); never the requester.',
        }),
        policies: Type.Array(ApprovalPolicySchema, {
          default: [],
          maxItems: 64,
          description:
            'Approval policies: `{name, routes, required?, approverRole?, when?: {environments?, minItems?: {path, count}, bodyFlag?}}`. A policy applies to a request on one of its routes when every condition in `when` holds (none: always). The first applying policy, in order, decides who approves and how many; `routes` above acts as a last policy without conditions.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);
