import type { Kysely } from 'kysely';
import type {
  RefreshTokenRecord,
  SessionRecord,
  SessionRevocationReason,
  SessionStore,
} from '../../identity/session-store.js';
import type { Database } from '../database-schema.js';

type SessionRow = Database['sessions'];
type TokenRow = Database['refresh_tokens'];

function toSession(r: SessionRow): SessionRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
    ip: r.ip,
    userAgent: r.user_agent,
    browser: r.browser,
    os: r.os,
    device: r.device,
    amr: JSON.parse(r.amr) as string[],
    authTime: r.auth_time,
    revokedAt: r.revoked_at,
    revokedReason: r.revoked_reason,
  };
}

function toToken(r: TokenRow): RefreshTokenRecord {
  return {
    id: r.id,
    tokenHash: r.token_hash,
    sessionId: r.session_id,
    accountId: r.account_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    usedAt: r.used_at,
    replacedBy: r.replaced_by,
  };
}

function tokenRow(t: RefreshTokenRecord): TokenRow {
  return {
    id: t.id,
    token_hash: t.tokenHash,
    session_id: t.sessionId,
    account_id: t.accountId,
    created_at: t.createdAt,
    expires_at: t.expiresAt,
    used_at: t.usedAt,
    replaced_by: t.replacedBy,
  };
}

export class SqlSessionStore implements SessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createSession(s: SessionRecord, firstToken: RefreshTokenRecord): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('sessions')
        .values({
          id: s.id,
          account_id: s.accountId,
          created_at: s.createdAt,
          last_seen_at: s.lastSeenAt,
          expires_at: s.expiresAt,
          ip: s.ip,
          user_agent: s.userAgent,
          browser: s.browser,
          os: s.os,
          device: s.device,
          amr: JSON.stringify(s.amr),
          auth_time: s.authTime,
          revoked_at: s.revokedAt,
          revoked_reason: s.revokedReason,
        })
        .execute();
      await trx.insertInto('refresh_tokens').values(tokenRow(firstToken)).execute();
    });
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row ? toToken(row) : undefined;
  }

  async findRefreshTokenById(id: string): Promise<RefreshTokenRecord | undefined> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toToken(row) : undefined;
  }

  async rotateRefreshToken(
    spentId: string,
    next: RefreshTokenRecord,
    activity: { now: number; ip: string | null },
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // The conditional UPDATE is the race's referee: of two concurrent rotations of one
      // token, exactly one changes a row (row lock on PostgreSQL, one writer on SQLite).
      const spent = await trx
        .updateTable('refresh_tokens')
        .set({ used_at: activity.now, replaced_by: next.id })
        .where('id', '=', spentId)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(spent.numUpdatedRows) !== 1) return false;
      await trx.insertInto('refresh_tokens').values(tokenRow(next)).execute();
      await trx
        .updateTable('sessions')
        .set({ last_seen_at: activity.now, ip: activity.ip })
        .where('id', '=', next.sessionId)
        .execute();
      return true;
    });
  }

  async findSession(id: string): Promise<SessionRecord | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toSession(row) : undefined;
  }

  async listSessions(
    accountId: string,
    options: { now: number; includeInactive: boolean },
  ): Promise<SessionRecord[]> {
    let query = this.db.selectFrom('sessions').selectAll().where('account_id', '=', accountId);
    if (!options.includeInactive)
      query = query.where('revoked_at', 'is', null).where('expires_at', '>', options.now);
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map(toSession);
  }

  // A revoked session's refresh tokens die with it (rotation checks the session first);
  // they are not marked spent, so presenting one later is refused, not mistaken for reuse.
  async revokeSession(id: string, now: number, reason: SessionRevocationReason): Promise<boolean> {
    const revoked = await this.db
      .updateTable('sessions')
      .set({ revoked_at: now, revoked_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(revoked.numUpdatedRows) === 1;
  }

  async revokeAccountSessions(
    accountId: string,
    now: number,
    reason: SessionRevocationReason,
    exceptId?: string,
  ): Promise<string[]> {
    let query = this.db
      .updateTable('sessions')
      .set({ revoked_at: now, revoked_reason: reason })
      .where('account_id', '=', accountId)
      .where('revoked_at', 'is', null);
    if (exceptId) query = query.where('id', '!=', exceptId);
    const revoked = await query.returning('id').execute();
    return revoked.map((r) => r.id).sort();
  }
}
