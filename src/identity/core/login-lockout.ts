import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor } from '../../events/security-event.js';
import type { Mailer } from '../../mail/mailer.js';
import { identityErrors } from '../errors.js';
import type { AccountWithCredentials, IdentityStores } from '../store.js';
import { clientNetwork } from './client-network.js';
import { normalizeEmail } from './email.js';
import type { LoginThrottle } from './login-throttle.js';
import { anonymousActor, type RequestContext, userActor } from './request-context.js';

export interface LoginLockoutOptions {
  stores: IdentityStores;
  throttle: LoginThrottle;
  events: EventPublisher;
  mailer: Mailer;
  onMailError: (error: unknown) => void;
  now: () => number;
}

/**
 * Account lockout outside the password step itself: telling the owner an account got
 * locked (event and mail), checking a signed-in account's password or code under the
 * same lockout budget as sign-in, and locks set or lifted by automated responses and
 * administrators.
 *
 * @example
 * const lockout = new LoginLockout({ stores, throttle, events, mailer, onMailError, now: Date.now });
 * const until = await lockout.lock('a@example.com', 900_000, systemActor);
 * await lockout.unlock('a@example.com', adminActor);
 */
export class LoginLockout {
  readonly #o: LoginLockoutOptions;

  constructor(options: LoginLockoutOptions) {
    this.#o = options;
  }

  /** Announces that failed attempts locked `account`: an event, and a mail to its owner. */
  async announce(
    account: AccountWithCredentials,
    lockedForMs: number,
    ctx: RequestContext,
  ): Promise<void> {
    const until = new Date(this.#o.now() + lockedForMs).toISOString();
    await this.#o.events.publish({
      type: 'auth.account.locked',
      outcome: 'denied',
      actor: anonymousActor(ctx),
      target: { type: 'account', id: account.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { lockedForSeconds: Math.round(lockedForMs / 1000), until },
    });
    // Not awaited: the response must not wait on (or reveal) mail delivery.
    this.#o.mailer
      .send({
        to: account.email,
        subject: 'Your account was locked after failed sign-in attempts',
        text: [
          'Too many failed sign-in attempts were made on your account,',
          `the last one from ${ctx.ip ?? 'an unknown address'}. It is locked until ${until}.`,
          '',
          'If this was not you, reset your password once the lock ends and consider enabling MFA.',
        ].join('\n'),
      })
      .catch(this.#o.onMailError);
  }

  /**
   * Checks a signed-in account's password or code before a sensitive change (turning
   * MFA off, new recovery codes) under the same lockout budget as sign-in, so a stolen
   * access token does not buy unlimited guesses. `check` resolves with the reason the
   * proof is wrong, or undefined when it is right. Every refusal is `invalid_credentials`.
   */
  async confirmCredentials(
    account: { id: string; email: string },
    operation: string,
    check: () => Promise<string | undefined>,
    ctx: RequestContext,
  ): Promise<void> {
    const identity = normalizeEmail(account.email);
    const network = clientNetwork(ctx.ip ?? 'unknown');
    const reservation = await this.#o.throttle.reserve(identity, network);
    const reason = reservation.allowed ? await check() : reservation.reason;
    if (reason === undefined) {
      await this.#o.throttle.succeed(identity);
      return;
    }
    if (reservation.allowed) {
      const lock = await this.#o.throttle.fail(identity, network, reservation.attempt);
      if (lock) {
        const full = await this.#o.stores.accounts.findAccountByEmail(identity);
        if (full) await this.announce(full, lock.lockedForMs, ctx);
      }
    }
    await this.#o.events.publish({
      type: 'auth.mfa.failed',
      outcome: 'failure',
      actor: userActor(account.id, ctx),
      target: { type: 'account', id: account.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { reason, operation },
    });
    throw new RampartError(identityErrors.invalid_credentials, { context: { reason } });
  }

  /** Locks an account for `durationMs` (automated responses); resolves with the lock's end. */
  async lock(email: string, durationMs: number, actor: EventActor): Promise<number> {
    const identity = normalizeEmail(email);
    const until = await this.#o.throttle.lock(identity, durationMs);
    const account = await this.#o.stores.accounts.findAccountByEmail(identity);
    await this.#o.events.publish({
      type: 'auth.account.locked',
      outcome: 'success',
      actor,
      target: { type: 'account', ...(account ? { id: account.id } : {}) },
      details: {
        lockedForSeconds: Math.round(durationMs / 1000),
        until: new Date(until).toISOString(),
      },
    });
    return until;
  }

  /** Lifts a lockout (administrators). */
  async unlock(email: string, actor: EventActor): Promise<void> {
    const identity = normalizeEmail(email);
    await this.#o.throttle.unlock(identity);
    const account = await this.#o.stores.accounts.findAccountByEmail(identity);
    await this.#o.events.publish({
      type: 'auth.account.unlocked',
      outcome: 'success',
      actor,
      target: { type: 'account', ...(account ? { id: account.id } : {}) },
      details: {},
    });
  }
}
