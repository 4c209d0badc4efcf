import type { RoleName } from '../../config/schema.js';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor } from '../../events/security-event.js';
import type { Mailer } from '../../mail/mailer.js';
import type { ExpiringValueStore } from '../../storage/hot-state.js';
import { identityErrors } from '../errors.js';
import type { Account, AccountWithCredentials, IdentityStores } from '../store.js';
import type { AccountCache } from './account-cache.js';
import { clientNetwork } from './client-network.js';
import { normalizeEmail } from './email.js';
import { LoginLockout } from './login-lockout.js';
import type { LoginThrottle } from './login-throttle.js';
import { type ChallengePurpose, type MfaChallenge, MfaChallenges } from './mfa-challenges.js';
import { recoveryCodeUsedMail } from './mfa-notices.js';
import type { PasswordHasher } from './password-hasher.js';
import { anonymousActor, type RequestContext, userActor } from './request-context.js';
import type { SecondFactor, SecondFactorProof } from './second-factor.js';
import type { SessionService, TokenPair } from './session-service.js';

export type LoginResult =
  | { kind: 'session'; account: Account; tokens: TokenPair }
  | { kind: 'mfa_required' | 'mfa_enrollment_required'; mfaToken: string; expiresIn: number };

export interface LoginServiceOptions {
  stores: IdentityStores;
  hasher: PasswordHasher;
  sessions: SessionService;
  throttle: LoginThrottle;
  challenges: ExpiringValueStore;
  events: EventPublisher;
  mailer: Mailer;
  accountCache: AccountCache;
  /** Unset until MFA is configured in: then no account is asked for a second factor. */
  secondFactor?: SecondFactor;
  mfa: { challengeTtlMs: number; requiredRoles: readonly RoleName[] };
  onMailError: (error: unknown) => void;
  /** True when an automated response requires MFA of the account at its next login. */
  mfaRequired?: (accountId: string) => Promise<boolean>;
  now?: () => number;
}

/**
 * Password login and the MFA step. Every failure of the password step is the same
 * `invalid_credentials` after the same work — unknown email (verified against a dummy
 * hash), wrong password, disabled or locked account — so neither answer nor timing tells
 * which. The precise reason goes to the event.
 */
export class LoginService {
  readonly #o: LoginServiceOptions;
  readonly #now: () => number;
  readonly #challenges: MfaChallenges;
  readonly #lockout: LoginLockout;

  constructor(options: LoginServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#challenges = new MfaChallenges({
      challenges: options.challenges,
      events: options.events,
      challengeTtlMs: options.mfa.challengeTtlMs,
    });
    this.#lockout = new LoginLockout({
      stores: options.stores,
      throttle: options.throttle,
      events: options.events,
      mailer: options.mailer,
      onMailError: options.onMailError,
      now: this.#now,
    });
  }

  async #failed(reason: string, ctx: RequestContext, account?: { id: string }): Promise<never> {
    await this.#o.events.publish({
      type: 'auth.login.failed',
      outcome: 'failure',
      actor: account ? userActor(account.id, ctx) : anonymousActor(ctx),
      target: { type: 'account', ...(account ? { id: account.id } : {}) },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { reason },
    });
    throw new RampartError(identityErrors.invalid_credentials, { context: { reason } });
  }

  async login(
    input: { email: string; password: string },
    ctx: RequestContext,
  ): Promise<LoginResult> {
    const email = normalizeEmail(input.email);
    const network = clientNetwork(ctx.ip ?? 'unknown');
    const reservation = await this.#o.throttle.reserve(email, network);
    if (!reservation.allowed) {
      if (reservation.reason === 'ip_throttled') {
        await this.#o.events.publish({
          type: 'auth.ip.throttled',
          outcome: 'denied',
          actor: anonymousActor(ctx),
          ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
          details: { network },
        });
        throw new RampartError(identityErrors.too_many_attempts, {
          headers: { 'Retry-After': String(Math.ceil(reservation.retryAfterMs / 1000)) },
        });
      }
      // Same work as a wrong password, so a locked account cannot be told apart by timing.
      await this.#o.hasher.verifyDummy(input.password);
      return this.#failed('account_locked', ctx);
    }

    const account = await this.#o.stores.accounts.findAccountByEmail(email);
    const reason = await this.#checkPassword(account, input.password);
    if (reason || !account) {
      const lock = await this.#o.throttle.fail(email, network, reservation.attempt);
      if (lock && account) await this.#lockout.announce(account, lock.lockedForMs, ctx);
      return this.#failed(reason ?? 'unknown_account', ctx, account);
    }
    const factor = this.#o.secondFactor;
    const needsCode = factor ? await factor.isEnrolled(account.id) : false;
    // With a second factor the login is not over: the attempts are cleared only when the
    // code is right too. Clearing them here would refill the code-guessing budget with
    // each correct password step.
    if (!needsCode) await this.#o.throttle.succeed(email);
    if (account.passwordHash && this.#o.hasher.needsRehash(account.passwordHash)) {
      // The configured cost went up: upgrade this hash while we hold the password.
      await this.#o.stores.accounts.updatePasswordHash(
        account.id,
        await this.#o.hasher.hash(input.password),
        this.#now(),
      );
      await this.#o.accountCache.changed(account.id);
    }
    const { passwordHash: _h, passwordChangedAt: _c, ...publicAccount } = account;

    if (needsCode) return this.#challenges.open(publicAccount, 'verify', ctx);
    if (await this.#mustEnrol(publicAccount))
      return this.#challenges.open(publicAccount, 'enroll', ctx);
    return this.#complete(publicAccount, ['pwd'], ctx);
  }

  /**
   * Whether an account without a second factor has to enrol one before it gets a session:
   * its role requires MFA, or an automated response does. Every first factor (password,
   * social login) asks the same question.
   */
  async #mustEnrol(account: Account): Promise<boolean> {
    if (!this.#o.secondFactor) return false;
    if (account.roles.some((r) => this.#o.mfa.requiredRoles.includes(r))) return true;
    return (await this.#o.mfaRequired?.(account.id)) === true;
  }

  async #checkPassword(
    account: AccountWithCredentials | undefined,
    password: string,
  ): Promise<string | undefined> {
    if (!account?.passwordHash) {
      await this.#o.hasher.verifyDummy(password);
      return account ? 'no_password' : 'unknown_account';
    }
    if (!(await this.#o.hasher.verify(account.passwordHash, password))) return 'wrong_password';
    if (account.adminLock) return 'account_locked';
    if (account.status !== 'active') return 'account_disabled';
    return undefined;
  }

  /**
   * Refuses a sign-in by another route than the password (a social login) while the
   * account is locked — by failed attempts, an automated response or an administrator —
   * or disabled: the same `invalid_credentials` as the password step, the reason in the event.
   */
  async refuseIfLocked(account: Account, ctx: RequestContext): Promise<void> {
    if (account.adminLock) return this.#failed('account_locked', ctx, account);
    if (account.status !== 'active') return this.#failed('account_disabled', ctx, account);
    if ((await this.#o.throttle.lockedUntil(normalizeEmail(account.email))) !== undefined)
      return this.#failed('account_locked', ctx, account);
  }

  /** When the account's lock ends, if it is locked (any cause). */
  lockedUntil(email: string): Promise<number | undefined> {
    return this.#o.throttle.lockedUntil(normalizeEmail(email));
  }

  /**
   * Signs in an account whose identity another party proved (a social login): the same
   * MFA step as after a password (verify, or enrol when a role or an automated response
   * requires it), so a linked provider account never skips the second factor. `amr` names
   * the first factor (`['oauth']`).
   */
  async signInVerified(account: Account, amr: string[], ctx: RequestContext): Promise<LoginResult> {
    await this.refuseIfLocked(account, ctx);
    const factor = this.#o.secondFactor;
    if (factor && (await factor.isEnrolled(account.id)))
      return this.#challenges.open(account, 'verify', ctx, amr);
    if (await this.#mustEnrol(account)) return this.#challenges.open(account, 'enroll', ctx, amr);
    return this.#complete(account, amr, ctx);
  }

  async #complete(account: Account, amr: string[], ctx: RequestContext): Promise<LoginResult> {
    const tokens = await this.#o.sessions.start(account, amr, ctx);
    await this.#o.events.publish({
      type: 'auth.login.succeeded',
      outcome: 'success',
      actor: userActor(account.id, ctx),
      target: { type: 'account', id: account.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { amr, sessionId: tokens.sessionId, tokenId: tokens.accessToken.jti },
    });
    return { kind: 'session', account, tokens };
  }

  /** The challenge behind an mfa_token, if it is valid for `purpose` (not spent by reading). */
  peekChallenge(mfaToken: string, purpose: ChallengePurpose): Promise<MfaChallenge> {
    return this.#challenges.peek(mfaToken, purpose);
  }

  /**
   * Spends the challenge and starts the session. The take is atomic: of two requests
   * completing one challenge, only one gets a session.
   */
  async completeChallenge(
    mfaToken: string,
    amr: string[],
    ctx: RequestContext,
  ): Promise<LoginResult & { kind: 'session' }> {
    const challenge = await this.#challenges.take(mfaToken);
    const account = await this.#o.stores.accounts.findAccountById(challenge.accountId);
    if (account?.status !== 'active') throw new RampartError(identityErrors.mfa_token_invalid);
    return (await this.#complete(
      account,
      [...new Set([...challenge.amr, ...amr])],
      ctx,
    )) as LoginResult & { kind: 'session' };
  }

  /**
   * The MFA step of a login. Failures count against the same per-account budget as
   * passwords, so a stolen password does not buy unlimited code guesses.
   */
  async verifySecondFactor(
    mfaToken: string,
    proof: SecondFactorProof,
    ctx: RequestContext,
  ): Promise<LoginResult & { kind: 'session' }> {
    const factor = this.#o.secondFactor;
    if (!factor) throw new RampartError(identityErrors.mfa_token_invalid);
    const challenge = await this.peekChallenge(mfaToken, 'verify');
    const network = clientNetwork(ctx.ip ?? 'unknown');
    const reservation = await this.#o.throttle.reserve(challenge.email, network);
    if (!reservation.allowed) {
      await this.#challenges.discard(mfaToken);
      await this.#mfaFailed(challenge, 'account_locked', ctx);
    }
    const result = await factor.verify(challenge.accountId, proof);
    if (!result.ok) {
      const attempt = reservation.allowed ? reservation.attempt : 0;
      const lock = await this.#o.throttle.fail(challenge.email, network, attempt);
      if (lock) {
        await this.#challenges.discard(mfaToken);
        const account = await this.#o.stores.accounts.findAccountByEmail(challenge.email);
        if (account) await this.#lockout.announce(account, lock.lockedForMs, ctx);
      }
      return this.#mfaFailed(challenge, result.reason, ctx);
    }
    await this.#o.throttle.succeed(challenge.email);
    const completed = await this.completeChallenge(mfaToken, result.amr, ctx);
    if (result.amr.includes('recovery')) await this.#recoveryCodeUsed(challenge, ctx);
    return completed;
  }

  /** A recovery code is a last resort: its owner hears of each use (an attacker's too). */
  async #recoveryCodeUsed(challenge: MfaChallenge, ctx: RequestContext): Promise<void> {
    const remaining = await this.#o.stores.mfa.countUnusedRecoveryCodes(challenge.accountId);
    this.#o.mailer
      .send(recoveryCodeUsedMail(challenge.email, this.#now(), remaining, ctx.ip))
      .catch(this.#o.onMailError);
  }

  async #mfaFailed(challenge: MfaChallenge, reason: string, ctx: RequestContext): Promise<never> {
    await this.#o.events.publish({
      type: 'auth.mfa.failed',
      outcome: 'failure',
      actor: userActor(challenge.accountId, ctx),
      target: { type: 'account', id: challenge.accountId },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { reason },
    });
    throw new RampartError(identityErrors.invalid_mfa_code, { context: { reason } });
  }

  /**
   * Checks a signed-in account's password or code before a sensitive change, under the
   * same lockout budget as sign-in. Every refusal is `invalid_credentials`.
   */
  confirmCredentials(
    account: { id: string; email: string },
    operation: string,
    check: () => Promise<string | undefined>,
    ctx: RequestContext,
  ): Promise<void> {
    return this.#lockout.confirmCredentials(account, operation, check, ctx);
  }

  /** Locks an account for `durationMs` (automated responses); resolves with the lock's end. */
  lock(email: string, durationMs: number, actor: EventActor): Promise<number> {
    return this.#lockout.lock(email, durationMs, actor);
  }

  /** Lifts a lockout (administrators). */
  unlock(email: string, actor: EventActor): Promise<void> {
    return this.#lockout.unlock(email, actor);
  }
}
