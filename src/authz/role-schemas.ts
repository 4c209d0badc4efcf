import { Type } from 'typebox';
import { Instant, Permission, RoleNameSchema } from './schemas.js';

/**
 * Request and response schemas of the role routes (/v1/authz/roles) and of role
 * assignments (/v1/authz/assignments).
 */

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
