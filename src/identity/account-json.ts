import type { SessionRecord } from './session-store.js';
import type { Account, InviteRecord } from './store.js';

const iso = (ms: number) => new Date(ms).toISOString();

// Accounts served from the cache are frozen and shared, so their representation is too:
// formatting two dates per request is a measurable share of an authenticated read.
const rendered = new WeakMap<Account, ReturnType<typeof renderAccount>>();

/** The HTTP representation of an account (snake_case, ISO 8601 times). */
export function accountJson(a: Account) {
  if (!Object.isFrozen(a)) return renderAccount(a);
  let json = rendered.get(a);
  if (!json) {
    json = renderAccount(a);
    rendered.set(a, json);
  }
  return json;
}

function renderAccount(a: Account) {
  return {
    id: a.id,
    email: a.email,
    name: a.name,
    roles: [...a.roles],
    status: a.status,
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
  };
}

export function inviteJson(i: InviteRecord) {
  return {
    id: i.id,
    email: i.email,
    roles: [...i.roles],
    created_by: i.createdBy,
    created_at: iso(i.createdAt),
    expires_at: iso(i.expiresAt),
    used_at: i.usedAt === null ? null : iso(i.usedAt),
  };
}

export function sessionJson(s: SessionRecord, currentSessionId: string | undefined) {
  return {
    id: s.id,
    created_at: iso(s.createdAt),
    last_seen_at: iso(s.lastSeenAt),
    expires_at: iso(s.expiresAt),
    ip: s.ip,
    user_agent: s.userAgent,
    browser: s.browser,
    os: s.os,
    device: s.device,
    amr: [...s.amr],
    mfa: s.amr.includes('mfa'),
    auth_time: iso(s.authTime * 1000),
    current: s.id === currentSessionId,
  };
}
