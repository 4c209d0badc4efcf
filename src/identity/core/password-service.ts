import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import type { Mailer, MailMessage } from '../../mail/mailer.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import type { CounterStore } from '../../storage/hot-state.js';
import { identityErrors } from '../errors.js';
import type { AccountWithCredentials, IdentityStores } from '../store.js';
import type { AccountCache } from './account-cache.js';
import { clientNetwork } from './client-network.js';
import { normalizeEmail } from './email.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './password-hasher.js';
import {
  lockedByPasswordChangeMail,
  passwordChangedMail,
  passwordResetMail,
  resetLinkMail,
} from './password-notices.js';
import { checkPassword, type PasswordPolicyOptions } from './password-policy.js';
import { anonymousActor, type RequestContext, userActor } from './request-context.js';
import { generateSecretToken, hashSecretToken } from './secret-token.js';
import type { SessionService } from './session-service.js';

export interface PasswordResetPolicy {
  tokenTtlMs: number;
  /** The link mailed to the owner; every `{token}` is replaced by the token. */
  urlTemplate: string;
  requestWindowMs: number;
  maxRequestsPerEmail: number;
  maxRequestsPerIp: number;
}

export interface PasswordServiceOptions {
  stores: IdentityStores;
  hasher: PasswordHasher;
  sessions: SessionService;
  throttle: LoginThrottle;
  /** Hot-store counters for the reset-request budget (global on Redis). */
  counters: CounterStore;
  events: EventPublisher;
  mailer: Mailer;
  accountCache: AccountCache;
  passwordPolicy: PasswordPolicyOptions;
  reset: PasswordResetPolicy;
  /** Errors of work done after the response (reset mails, notices). */
  onBackgroundError: (error: unknown) => void;
  now?: () => number;
}

/** Reset tokens carry 256 bits (ASVS 2.5.x asks for at least 128, OWASP for 128+). */
const resetTokenBytes = 32;
const resetTokenPrefix = 'rmprst_';

/**
 * Password change by the signed-in owner and reset by an emailed single-use link.
 *
 * A change proves the current password under the same lockout budget as a login, then
 * ends every other session (ASVS 3.3.3). A reset request answers the same whatever the
 * email: the lookup, the token and the mail happen after the response, so neither the
 * answer nor its timing tells whether an account exists. A reset ends every session and
 * lifts the account's lockout: the owner just proved control of the mailbox.
 */
export class PasswordService {
  readonly #o: PasswordServiceOptions;
  readonly #now: () => number;
  readonly #pending = new Set<Promise<void>>();

  constructor(options: PasswordServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  #assertPolicy(password: string, email: string): void {
    const violations = checkPassword(password, email, this.#o.passwordPolicy);
    const first = violations[0];
    if (first) throw new RampartError(identityErrors[first], { extensions: { violations } });
  }

  /** Runs `work` after the response; `whenIdle` waits for it (tests, shutdown). */
  #inBackground(work: () => Promise<void>): void {
    const task = work()
      .catch(this.#o.onBackgroundError)
      .finally(() => this.#pending.delete(task));
    this.#pending.add(task);
  }

  #notify(message: MailMessage): void {
    this.#inBackground(() => this.#o.mailer.send(message));
  }

  /** Resolves once every reset mail and notice started so far is handed to the transport. */
  async whenIdle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  async #changeRefused(
    reason: string,
    account: AccountWithCredentials,
    ctx: RequestContext,
  ): Promise<never> {
    await this.#o.events.publish({
      type: 'password.change.failed',
      outcome: 'failure',
      actor: userActor(account.id, ctx),
      target: { type: 'account', id: account.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { reason },
    });
    // The same answer as a failed login: a stolen access token learns nothing more here.
    throw new RampartError(identityErrors.invalid_credentials, { context: { reason } });
  }

  /**
   * Changes the password of a signed-in account. A wrong current password counts against
   * the account's lockout budget exactly like a failed login.
   */
  async change(
    input: {
      accountId: string;
      sessionId: string | undefined;
      currentPassword: string;
      newPassword: string;
    },
    ctx: RequestContext,
  ): Promise<{ endedSessions: number }> {
    const account = await this.#o.stores.accounts.findAccountWithCredentialsById(input.accountId);
    if (!account) throw new RampartError(identityErrors.invalid_credentials);
    this.#assertPolicy(input.newPassword, account.email);

    const network = clientNetwork(ctx.ip ?? 'unknown');
    const reservation = await this.#o.throttle.reserve(account.email, network);
    if (!reservation.allowed) {
      if (reservation.reason === 'ip_throttled') {
        await this.#o.events.publish({
          type: 'auth.ip.throttled',
          outcome: 'denied',
          actor: userActor(account.id, ctx),
          ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
          details: { network, via: 'password_change' },
        });
        throw new RampartError(identityErrors.too_many_attempts, {
          headers: { 'Retry-After': String(Math.ceil(reservation.retryAfterMs / 1000)) },
        });
      }
      await this.#o.hasher.verifyDummy(input.currentPassword);
      return this.#changeRefused('account_locked', account, ctx);
    }
    const ok = account.passwordHash
      ? await this.#o.hasher.verify(account.passwordHash, input.currentPassword)
      : await this.#o.hasher.verifyDummy(input.currentPassword);
    if (!ok || account.status !== 'active') {
      const lock = await this.#o.throttle.fail(account.email, network, reservation.attempt);
      if (lock) await this.#locked(account, lock.lockedForMs, ctx);
      return this.#changeRefused(ok ? 'account_disabled' : 'wrong_password', account, ctx);
    }
    await this.#o.throttle.succeed(account.email);

    const now = this.#now();
    await this.#o.stores.accounts.setPassword(
      account.id,
      await this.#o.hasher.hash(input.newPassword),
      now,
    );
    await this.#o.accountCache.changed(account.id);
    const actor = userActor(account.id, ctx);
    const ended = await this.#o.sessions.revokeAll(
      account.id,
      'password_changed',
      actor,
      ctx,
      input.sessionId,
    );
    await this.#o.events.publish({
      type: 'password.changed',
      outcome: 'success',
      actor,
      target: { type: 'account', id: account.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { endedSessions: ended.length },
    });
    this.#notify(passwordChangedMail(account.email, now, ctx.ip));
    return { endedSessions: ended.length };
  }

  async #locked(
    account: AccountWithCredentials,
    lockedForMs: number,
    ctx: RequestContext,
  ): Promise<void> {
    const until = new Date(this.#now() + lockedForMs).toISOString();
    await this.#o.events.publish({
      type: 'auth.account.locked',
      outcome: 'denied',
      actor: userActor(account.id, ctx),
      target: { type: 'account', id: account.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { lockedForSeconds: Math.round(lockedForMs / 1000), until, via: 'password_change' },
    });
    this.#notify(lockedByPasswordChangeMail(account.email, until, ctx.ip));
  }

  /**
   * Accepts a reset request. Resolves (with nothing to tell) the same way for every
   * email within the budget; the account lookup, token and mail run after the response.
   * Throws `password_reset_rate_limited` past the per-email or per-network budget, which
   * counts registered and unknown emails alike.
   */
  async requestReset(input: { email: string }, ctx: RequestContext): Promise<void> {
    const email = normalizeEmail(input.email);
    const network = clientNetwork(ctx.ip ?? 'unknown');
    const { requestWindowMs, maxRequestsPerEmail, maxRequestsPerIp } = this.#o.reset;
    const [byIp, byEmail] = await Promise.all([
      this.#o.counters.increment(`pwreset:ip:${network}`, requestWindowMs),
      this.#o.counters.increment(`pwreset:email:${email}`, requestWindowMs),
    ]);
    const ipWaitMs = byIp.count > maxRequestsPerIp ? byIp.resetInMs : 0;
    const emailWaitMs = byEmail.count > maxRequestsPerEmail ? byEmail.resetInMs : 0;
    const retryAfterMs = Math.max(ipWaitMs, emailWaitMs);
    if (retryAfterMs > 0) {
      await this.#o.events.publish({
        type: 'password.reset.rate_limited',
        outcome: 'denied',
        actor: anonymousActor(ctx),
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
        details: { network, by: ipWaitMs > 0 ? 'ip' : 'email' },
      });
      throw new RampartError(identityErrors.password_reset_rate_limited, {
        headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
      });
    }
    this.#inBackground(() => this.#sendResetLink(email, ctx));
  }

  async #sendResetLink(email: string, ctx: RequestContext): Promise<void> {
    const account = await this.#o.stores.accounts.findAccountByEmail(email);
    const base = {
      type: 'password.reset.requested' as const,
      actor: anonymousActor(ctx),
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    };
    if (account?.status !== 'active') {
      await this.#o.events.publish({
        ...base,
        outcome: 'failure',
        target: { type: 'account', ...(account ? { id: account.id } : {}) },
        details: { sent: false, reason: account ? 'account_disabled' : 'unknown_account' },
      });
      return;
    }
    const now = this.#now();
    const { token, hash } = generateSecretToken(resetTokenPrefix, resetTokenBytes);
    const expiresAt = now + this.#o.reset.tokenTtlMs;
    // Storing the new token deletes the account's unused ones: only the newest link works.
    await this.#o.stores.passwordResets.createResetToken({
      id: uuidv7(now),
      tokenHash: hash,
      accountId: account.id,
      createdAt: now,
      expiresAt,
    });
    const link = this.#o.reset.urlTemplate.replaceAll('{token}', encodeURIComponent(token));
    await this.#o.mailer.send(resetLinkMail(account.email, link, this.#o.reset.tokenTtlMs, ctx.ip));
    await this.#o.events.publish({
      ...base,
      outcome: 'success',
      target: { type: 'account', id: account.id },
      details: { sent: true, expiresAt: new Date(expiresAt).toISOString() },
    });
  }

  async #resetRefused(reason: string, ctx: RequestContext, accountId?: string): Promise<never> {
    await this.#o.events.publish({
      type: 'password.reset.failed',
      outcome: 'failure',
      actor: anonymousActor(ctx),
      target: { type: 'account', ...(accountId ? { id: accountId } : {}) },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { reason },
    });
    throw new RampartError(identityErrors.password_reset_token_invalid, { context: { reason } });
  }

  /**
   * Sets a new password with a reset token. The token is checked (not spent) first so a
   * policy violation leaves it usable; spending it is atomic, so of two concurrent resets
   * with one token exactly one sets the password.
   */
  async reset(
    input: { token: string; newPassword: string },
    ctx: RequestContext,
  ): Promise<{ endedSessions: number }> {
    const tokenHash = hashSecretToken(input.token);
    const resets = this.#o.stores.passwordResets;
    const accountId = await resets.findValidResetToken(tokenHash, this.#now());
    if (!accountId) return this.#resetRefused('unknown_or_expired', ctx);
    const account = await this.#o.stores.accounts.findAccountWithCredentialsById(accountId);
    if (account?.status !== 'active') return this.#resetRefused('account_inactive', ctx, accountId);
    this.#assertPolicy(input.newPassword, account.email);
    const passwordHash = await this.#o.hasher.hash(input.newPassword);

    const now = this.#now();
    const spentBy = await resets.consumeResetToken(tokenHash, now);
    if (spentBy !== account.id) return this.#resetRefused('already_used', ctx, accountId);
    await this.#o.stores.accounts.setPassword(account.id, passwordHash, now);
    await this.#o.accountCache.changed(account.id);
    // A lockout from failed attempts ends here; a lock an administrator or an automated
    // response imposed does not (LoginThrottle.liftFailureLockout).
    await this.#o.throttle.liftFailureLockout(account.email);
    const stillLocked = (await this.#o.throttle.lockedUntil(account.email)) !== undefined;
    const actor = userActor(account.id, ctx);
    const ended = await this.#o.sessions.revokeAll(account.id, 'password_reset', actor, ctx);
    await this.#o.events.publish({
      type: 'password.reset',
      outcome: 'success',
      actor,
      target: { type: 'account', id: account.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { endedSessions: ended.length, lockoutCleared: !stillLocked },
    });
    this.#notify(passwordResetMail(account.email, now, ctx.ip));
    return { endedSessions: ended.length };
  }
}
