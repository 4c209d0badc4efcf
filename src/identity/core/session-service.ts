import { randomBytes } from 'node:crypto';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor } from '../../events/security-event.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import { identityErrors } from '../errors.js';
import type {
  RefreshTokenRecord,
  SessionRecord,
  SessionRevocationReason,
} from '../session-store.js';
import type { Account, IdentityStores } from '../store.js';
import type { AccessTokenIssuer, IssuedAccessToken } from './access-tokens.js';
import type { AccountCache } from './account-cache.js';
import { clientNetwork } from './client-network.js';
import type { RequestContext } from './request-context.js';
import { userActor } from './request-context.js';
import type { RevocationList } from './revocation-list.js';
import { generateSecretToken, hashSecretToken } from './secret-token.js';
import { describeUserAgent, userAgentFamily } from './user-agent.js';

export interface SessionPolicy {
  absoluteLifetimeMs: number;
  idleTimeoutMs: number;
  /** How long the immediately previous refresh token still works after a rotation. */
  refreshReuseGraceMs: number;
  denyOnFingerprintChange: boolean;
}

export interface TokenPair {
  accessToken: IssuedAccessToken;
  refreshToken: string;
  sessionId: string;
}

export interface SessionServiceOptions {
  stores: IdentityStores;
  /** Accounts by id; the refresh path reads the account (roles, status) from here. */
  accounts: Pick<AccountCache, 'get'>;
  tokens: AccessTokenIssuer;
  revocations: RevocationList;
  events: EventPublisher;
  policy: SessionPolicy;
  now?: () => number;
}

type RefreshFailure =
  | 'unknown'
  | 'session_revoked'
  | 'session_expired'
  | 'session_idle'
  | 'account_inactive'
  | 'fingerprint_changed';

/**
 * Sessions and their refresh-token families (RFC 9700 §4.14.2: rotation with reuse
 * detection). Each refresh spends the presented token and issues the next; presenting a
 * spent token again means two parties hold the family, so the session dies with every
 * access token it issued.
 */
export class SessionService {
  readonly #o: SessionServiceOptions;
  readonly #now: () => number;

  constructor(options: SessionServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  #newRefreshToken(
    sessionId: string,
    accountId: string,
    expiresAt: number,
    now: number,
  ): { token: string; record: RefreshTokenRecord } {
    const { token, hash } = generateSecretToken('rmr_', 32);
    return {
      token,
      record: {
        id: uuidv7(now),
        tokenHash: hash,
        sessionId,
        accountId,
        createdAt: now,
        expiresAt,
        usedAt: null,
        replacedBy: null,
      },
    };
  }

  /** A new session (a fresh random id, never a client-supplied one) and its first token pair. */
  async start(account: Account, amr: string[], ctx: RequestContext): Promise<TokenPair> {
    const now = this.#now();
    const id = randomBytes(16).toString('base64url');
    const authTime = Math.floor(now / 1000);
    const client = describeUserAgent(ctx.userAgent);
    const session: SessionRecord = {
      id,
      accountId: account.id,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.#o.policy.absoluteLifetimeMs,
      ip: ctx.ip ?? null,
      userAgent: ctx.userAgent ?? null,
      browser: client.browser,
      os: client.os,
      device: client.device,
      amr,
      authTime,
      revokedAt: null,
      revokedReason: null,
    };
    const refresh = this.#newRefreshToken(id, account.id, session.expiresAt, now);
    await this.#o.stores.sessions.createSession(session, refresh.record);
    const accessToken = await this.#o.tokens.issue({
      subject: account.id,
      roles: account.roles,
      amr,
      authTime,
      sessionId: id,
    });
    await this.#o.events.publish({
      type: 'session.created',
      outcome: 'success',
      actor: userActor(account.id, ctx),
      target: { type: 'session', id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { amr, browser: client.browser, os: client.os, device: client.device },
    });
    return { accessToken, refreshToken: refresh.token, sessionId: id };
  }

  async #refused(
    reason: RefreshFailure,
    ctx: RequestContext,
    record?: RefreshTokenRecord,
  ): Promise<never> {
    await this.#o.events.publish({
      type: 'auth.refresh.failed',
      outcome: 'failure',
      actor: record
        ? userActor(record.accountId, ctx)
        : { kind: 'anonymous', ...(ctx.ip ? { ip: ctx.ip } : {}) },
      ...(record ? { target: { type: 'session', id: record.sessionId } } : {}),
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { reason },
    });
    throw new RampartError(identityErrors.invalid_refresh_token, { context: { reason } });
  }

  /** Rotates a refresh token into a new pair. */
  async refresh(token: string, ctx: RequestContext): Promise<TokenPair> {
    const now = this.#now();
    const presented = await this.#o.stores.sessions.findRefreshToken(hashSecretToken(token));
    if (!presented) return this.#refused('unknown', ctx);
    const session = await this.#o.stores.sessions.findSession(presented.sessionId);
    if (!session || session.revokedAt !== null)
      return this.#refused('session_revoked', ctx, presented);
    if (now >= session.expiresAt || now >= presented.expiresAt)
      return this.#refused('session_expired', ctx, presented);
    if (now >= session.lastSeenAt + this.#o.policy.idleTimeoutMs)
      return this.#refused('session_idle', ctx, presented);

    let spend = presented;
    if (presented.usedAt !== null) {
      const successor = await this.#graceSuccessor(presented, now);
      if (!successor) return this.#reused(session, presented, ctx, 'spent_token_presented');
      spend = successor;
    }

    await this.#checkFingerprint(session, ctx);
    const account = await this.#o.accounts.get(session.accountId);
    if (account?.status !== 'active') {
      await this.revoke(session.id, 'automated_response', { kind: 'system' }, ctx);
      return this.#refused('account_inactive', ctx, presented);
    }

    const next = this.#newRefreshToken(session.id, account.id, session.expiresAt, now);
    const rotated = await this.#o.stores.sessions.rotateRefreshToken(spend.id, next.record, {
      now,
      ip: ctx.ip ?? null,
    });
    // Another request spent the same token between our read and our write: a concurrent
    // second use is reuse like any other (at most one of them succeeds).
    if (!rotated) return this.#reused(session, presented, ctx, 'concurrent_use');

    const accessToken = await this.#o.tokens.issue({
      subject: account.id,
      roles: account.roles,
      amr: session.amr,
      authTime: session.authTime,
      sessionId: session.id,
    });
    await this.#o.events.publish({
      type: 'auth.token.refreshed',
      outcome: 'success',
      actor: userActor(account.id, ctx),
      target: { type: 'session', id: session.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { graceUsed: spend !== presented },
    });
    return { accessToken, refreshToken: next.token, sessionId: session.id };
  }

  /**
   * Within the grace period only the immediately previous token is forgiven (a client that
   * lost the response to its last refresh): it is honoured by rotating its still-unspent
   * successor instead.
   */
  async #graceSuccessor(
    presented: RefreshTokenRecord,
    now: number,
  ): Promise<RefreshTokenRecord | undefined> {
    const grace = this.#o.policy.refreshReuseGraceMs;
    if (grace <= 0 || presented.usedAt === null || presented.replacedBy === null) return undefined;
    if (now - presented.usedAt > grace) return undefined;
    const successor = await this.#o.stores.sessions.findRefreshTokenById(presented.replacedBy);
    return successor && successor.usedAt === null ? successor : undefined;
  }

  async #reused(
    session: SessionRecord,
    presented: RefreshTokenRecord,
    ctx: RequestContext,
    how: string,
  ): Promise<never> {
    await this.#o.stores.sessions.revokeSession(session.id, this.#now(), 'refresh_reuse');
    await this.#o.revocations.revokeSession(session.id);
    await this.#o.events.publish({
      type: 'auth.refresh.reused',
      outcome: 'denied',
      actor: userActor(presented.accountId, ctx),
      target: { type: 'session', id: session.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { how, tokenId: presented.id, sessionIp: session.ip },
    });
    throw new RampartError(identityErrors.invalid_refresh_token, { context: { reason: 'reused' } });
  }

  async #checkFingerprint(session: SessionRecord, ctx: RequestContext): Promise<void> {
    const familyChanged = userAgentFamily(session.userAgent) !== userAgentFamily(ctx.userAgent);
    const networkChanged =
      session.ip !== null &&
      ctx.ip !== undefined &&
      clientNetwork(session.ip, 24) !== clientNetwork(ctx.ip, 24);
    if (!familyChanged && !networkChanged) return;
    const deny = this.#o.policy.denyOnFingerprintChange;
    await this.#o.events.publish({
      type: 'session.fingerprint.changed',
      outcome: deny ? 'denied' : 'success',
      actor: userActor(session.accountId, ctx),
      target: { type: 'session', id: session.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: {
        userAgentFamily: {
          before: userAgentFamily(session.userAgent),
          after: userAgentFamily(ctx.userAgent),
        },
        network: {
          before: session.ip ? clientNetwork(session.ip, 24) : null,
          after: ctx.ip ? clientNetwork(ctx.ip, 24) : null,
        },
        denied: deny,
      },
    });
    if (deny)
      throw new RampartError(identityErrors.invalid_refresh_token, {
        context: { reason: 'fingerprint_changed' },
      });
  }

  /** Ends one session: its refresh tokens stop working and its access tokens are refused at once. */
  async revoke(
    sessionId: string,
    reason: SessionRevocationReason,
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<boolean> {
    const revoked = await this.#o.stores.sessions.revokeSession(sessionId, this.#now(), reason);
    await this.#o.revocations.revokeSession(sessionId);
    if (revoked) {
      await this.#o.events.publish({
        type: 'session.revoked',
        outcome: 'success',
        actor,
        target: { type: 'session', id: sessionId },
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
        details: { reason },
      });
    }
    return revoked;
  }

  /** Ends every session of an account (but `exceptSessionId`); resolves with their ids. */
  async revokeAll(
    accountId: string,
    reason: SessionRevocationReason,
    actor: EventActor,
    ctx: RequestContext,
    exceptSessionId?: string,
  ): Promise<string[]> {
    const ids = await this.#o.stores.sessions.revokeAccountSessions(
      accountId,
      this.#now(),
      reason,
      exceptSessionId,
    );
    await Promise.all(ids.map((id) => this.#o.revocations.revokeSession(id)));
    if (ids.length > 0) {
      await this.#o.events.publish({
        type: 'session.revoked',
        outcome: 'success',
        actor,
        target: { type: 'account', id: accountId },
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
        details: { reason, sessions: ids.length },
      });
    }
    return ids;
  }

  list(accountId: string): Promise<SessionRecord[]> {
    return this.#o.stores.sessions.listSessions(accountId, {
      now: this.#now(),
      includeInactive: false,
    });
  }

  /** A session of `accountId`, or `session_not_found` (also for another account's session: no IDOR). */
  async getOwn(accountId: string, sessionId: string): Promise<SessionRecord> {
    const session = await this.#o.stores.sessions.findSession(sessionId);
    if (!session || session.accountId !== accountId || session.revokedAt !== null) {
      throw new RampartError(identityErrors.session_not_found);
    }
    return session;
  }
}
