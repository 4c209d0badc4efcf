import type { RoleName } from '../../config/schema.js';

/**
 * Permissions are `resource:action` strings; `*` stands for any resource or any action
 * (`*` alone means everything). API key scopes are permissions too, and a key may only
 * carry scopes its owner holds.
 *
 * {@link rolePermissions} is the built-in default policy: src/authz compiles it with the
 * stored custom roles and grants, and Rampart's guards decide through that engine. The
 * matching rules below are the engine's too; {@link permissionsOfRoles} remains for what
 * needs the built-in permissions as a list (API-key scope checks at issue, introspection).
 */
export const permissionPattern = '^(\\*|(\\*|[a-z][a-z0-9-]{0,39}):(\\*|[a-z][a-z0-9-]{0,39}))$';
const permissionRegExp = new RegExp(permissionPattern);

/** Permissions of the built-in roles. */
export const rolePermissions: Readonly<Record<RoleName, readonly string[]>> = Object.freeze({
  ADMIN: ['*'],
  DEVELOPER: [
    'apikeys:*',
    'tokens:introspect',
    'accounts:read',
    'sessions:read',
    'signing-keys:read',
    'metrics:read',
    'audit:read',
  ],
  VIEWER: ['*:read'],
});

export function isPermission(text: string): boolean {
  return permissionRegExp.test(text);
}

function parts(permission: string): [string, string] {
  if (permission === '*') return ['*', '*'];
  const colon = permission.indexOf(':');
  return [permission.slice(0, colon), permission.slice(colon + 1)];
}

/**
 * True when `granted` covers `wanted`: each part of `granted` is `*` or equal to the same
 * part of `wanted`. A wildcard is only covered by a wildcard: `apikeys:*` is not covered
 * by `apikeys:read`.
 */
export function covers(granted: string, wanted: string): boolean {
  if (granted === '*') return true;
  const [gr, ga] = parts(granted);
  const [wr, wa] = parts(wanted);
  return (gr === '*' || gr === wr) && (ga === '*' || ga === wa);
}

/**
 * `covers(granted, \`${type}:${action}\`)` without building that string: the authorization
 * engine asks this of an API key's scopes on every decision. `type` must hold no colon
 * (the engine has checked it is a name); the parts of `granted` are the ones
 * {@link covers} splits, compared in place.
 */
export function coversAction(granted: string, type: string, action: string): boolean {
  if (granted === '*') return true;
  const colon = granted.indexOf(':');
  // As `parts`: without a colon, the resource is all but the last character and the
  // action the whole text.
  const typeEnd = colon === -1 ? Math.max(granted.length - 1, 0) : colon;
  const actionStart = colon + 1;
  const typeOk =
    (typeEnd === 1 && granted.charCodeAt(0) === star) ||
    (typeEnd === type.length && granted.startsWith(type));
  if (!typeOk) return false;
  const actionLength = granted.length - actionStart;
  return (
    (actionLength === 1 && granted.charCodeAt(actionStart) === star) ||
    (actionLength === action.length && granted.endsWith(action))
  );
}

const star = 0x2a; // *

export function anyCovers(granted: readonly string[], wanted: string): boolean {
  for (const g of granted) if (covers(g, wanted)) return true;
  return false;
}

// Cached accounts and tokens hand out the same frozen roles array on every request, so
// the expansion is remembered per array.
const expanded = new WeakMap<readonly RoleName[], readonly string[]>();

export function permissionsOfRoles(roles: readonly RoleName[]): readonly string[] {
  let out = expanded.get(roles);
  if (!out) {
    const set = new Set<string>();
    for (const role of roles) for (const p of rolePermissions[role] ?? []) set.add(p);
    out = Object.freeze([...set]);
    expanded.set(roles, out);
  }
  return out;
}

/** The requested scopes the holder of `granted` may not delegate. */
export function scopesBeyond(granted: readonly string[], requested: readonly string[]): string[] {
  return requested.filter((s) => !anyCovers(granted, s));
}
