import { Type } from 'typebox';
import { RoleSchema } from '../config/schema.js';
import { AccountSchema } from './schemas.js';

/** Request and response schemas of the admin account API (/v1/admin/accounts). */

const roleNamePattern = '^[A-Za-z][A-Za-z0-9_-]{0,63}$';
const Timestamp = Type.String({ format: 'date-time' });

export const AccountListQuery = Type.Object(
  {
    query: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 254,
        description: 'Text the email contains (case-insensitive); a prefix works as well.',
      }),
    ),
    role: Type.Optional(
      Type.String({
        pattern: roleNamePattern,
        description:
          'Accounts holding this role: built-in ones directly or by assignment, custom ones by assignment (a role inheriting it counts).',
      }),
    ),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
    cursor: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'next_cursor of the previous page.',
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  },
  { additionalProperties: false },
);

const AdminAccountFields = {
  ...AccountSchema.properties,
  effective_roles: Type.Array(Type.String(), {
    description: 'Roles held directly plus roles assigned through the authorization policy.',
  }),
  locked: Type.Boolean(),
  locked_until: Type.Union([Timestamp, Type.Null()]),
  admin_lock: Type.Union(
    [
      Type.Object(
        {
          locked_by: Type.String(),
          reason: Type.Union([Type.String(), Type.Null()]),
          locked_at: Timestamp,
          until: Timestamp,
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ],
    {
      description:
        "An administrator's lock (durable: the account is disabled until it ends or is unlocked); null when none holds. A lockout after failed sign-ins shows in locked_until only.",
    },
  ),
};

export const AdminAccountSummary = Type.Object(AdminAccountFields, {
  additionalProperties: false,
});

export const AdminAccountList = Type.Object(
  {
    items: Type.Array(AdminAccountSummary),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

export const AdminAccountDetail = Type.Object(
  {
    ...AdminAccountFields,
    assigned_roles: Type.Array(Type.String(), {
      description: 'Roles assigned through PUT /v1/authz/assignments/:id (built-in or custom).',
    }),
    mfa_enabled: Type.Boolean(),
    linked_identities: Type.Integer({ minimum: 0 }),
    active_sessions: Type.Integer({ minimum: 0 }),
    active_api_keys: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const LockAccountBody = Type.Object(
  {
    duration_seconds: Type.Optional(
      Type.Integer({
        minimum: 60,
        maximum: 315_360_000,
        description: 'How long the lock lasts; default lockout.adminLockDuration.',
      }),
    ),
    reason: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        description: 'Why the account is locked (kept with the lock and in the audit trail).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const LockAccountResponse = Type.Object(
  {
    locked_until: Timestamp,
    sessions_revoked: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const SetAccountRolesBody = Type.Object(
  {
    roles: Type.Array(RoleSchema, {
      maxItems: 3,
      uniqueItems: true,
      description:
        'Built-in roles only; custom roles are assigned with PUT /v1/authz/assignments/:id.',
    }),
  },
  { additionalProperties: false },
);

export const DeletedAccount = Type.Object(
  {
    deleted: Type.Literal(true),
    pseudonym: Type.String({
      description: 'The id by which the erased account is known in the audit trail.',
    }),
  },
  { additionalProperties: false },
);
