import { Type } from 'typebox';

/** The names of the built-in roles, in the order RoleSchema lists them. */
export const roleNames = ['ADMIN', 'DEVELOPER', 'VIEWER'] as const;
/** The built-in roles; issue-level authorization adds custom roles on top. */
export const RoleSchema = Type.Union([
  Type.Literal('ADMIN'),
  Type.Literal('DEVELOPER'),
  Type.Literal('VIEWER'),
]);

export type RoleName = (typeof roleNames)[number];
