import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export type Role = 'ADMIN' | 'DEVELOPER' | 'VIEWER';

export interface Me {
  id: string;
  email: string;
  name: string | null;
  roles: Role[];
}

/**
 * The built-in roles' permissions (src/identity/core/permissions.ts), to decide what the
 * page offers. Only a courtesy: the server checks every request on its own.
 */
const rolePermissions: Record<Role, readonly string[]> = {
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
};

function covers(granted: string, wanted: string): boolean {
  if (granted === '*') return true;
  const [gr, ga] = granted.split(':');
  const [wr, wa] = wanted.split(':');
  return (gr === '*' || gr === wr) && (ga === '*' || ga === wa);
}

/** Built-in inheritance: ADMIN ⊃ DEVELOPER ⊃ VIEWER (src/authz/model.ts). */
const inherits: Record<Role, readonly Role[]> = {
  ADMIN: ['DEVELOPER', 'VIEWER'],
  DEVELOPER: ['VIEWER'],
  VIEWER: [],
};

export function can(me: Me, permission: string): boolean {
  return me.roles.some((r) =>
    [r, ...(inherits[r] ?? [])].some((held) =>
      rolePermissions[held]?.some((g) => covers(g, permission)),
    ),
  );
}

export function isAdmin(me: Me): boolean {
  return me.roles.includes('ADMIN');
}

export const SessionContext = createContext<Me | null>(null);

export function useMe(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error('no session');
  return me;
}
