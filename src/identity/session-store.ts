/** Ports for sessions and their refresh-token families. Adapter: src/storage/sql. */

export interface SessionRecord {
  /** Random, never reused (a new login always gets a new id: no fixation). */
  id: string;
  accountId: string;
  createdAt: number;
  lastSeenAt: number;
  /** Absolute end, whatever the activity. */
  expiresAt: number;
  ip: string | null;
  userAgent: string | null;
  browser: string | null;
  os: string | null;
  device: string | null;
  /** RFC 8176 methods used to sign in: `pwd`, `otp`, `mfa`… */
  amr: string[];
  /** Seconds since the epoch when the user authenticated. */
  authTime: number;
  revokedAt: number | null;
  revokedReason: string | null;
}

export interface RefreshTokenRecord {
  id: string;
  /** SHA-256 of the token; the token itself is never stored. */
  tokenHash: string;
  sessionId: string;
  accountId: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  replacedBy: string | null;
}

export type SessionRevocationReason =
  | 'logout'
  | 'logout_all'
  | 'revoked_by_user'
  | 'revoked_by_admin'
  | 'refresh_reuse'
  | 'password_changed'
  | 'password_reset'
  | 'fingerprint_changed'
  | 'automated_response'
  | 'account_erased'
  | 'account_locked'
  | 'roles_reduced';

export interface SessionStore {
  /** Creates a session with the first refresh token of its family, atomically. */
  createSession(session: SessionRecord, firstToken: RefreshTokenRecord): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  findRefreshTokenById(id: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Spends `spentId` and adds `next` in one step, only if `spentId` is unspent: of two
   * concurrent rotations of one token exactly one resolves true. Also records the
   * session's activity (`lastSeenAt`, `ip`).
   */
  rotateRefreshToken(
    spentId: string,
    next: RefreshTokenRecord,
    activity: { now: number; ip: string | null },
  ): Promise<boolean>;
  findSession(id: string): Promise<SessionRecord | undefined>;
  /** Sessions of an account, newest first; revoked and expired ones only when asked. */
  listSessions(
    accountId: string,
    options: { now: number; includeInactive: boolean },
  ): Promise<SessionRecord[]>;
  /** Revokes one session (its refresh tokens die with it); false if it was already revoked. */
  revokeSession(id: string, now: number, reason: SessionRevocationReason): Promise<boolean>;
  /** Revokes every live session of an account except `exceptId`; resolves with the revoked ids. */
  revokeAccountSessions(
    accountId: string,
    now: number,
    reason: SessionRevocationReason,
    exceptId?: string,
  ): Promise<string[]>;
}
