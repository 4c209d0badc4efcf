import QRCode from 'qrcode';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor } from '../../events/security-event.js';
import type { Mailer, MailMessage } from '../../mail/mailer.js';
import { identityErrors } from '../errors.js';
import type { AccountStore, AccountWithCredentials } from '../store.js';
import type { LoginService } from './login-service.js';
import {
  mfaDisabledMail,
  mfaEnabledMail,
  mfaResetMail,
  recoveryCodesRegeneratedMail,
} from './mfa-notices.js';
import type { PasswordHasher } from './password-hasher.js';
import { type RequestContext, userActor } from './request-context.js';
import type { TokenPair } from './session-service.js';
import { type TotpEnrolment, type TotpService, type TotpStatus, totpAmr } from './totp-service.js';

export interface MfaServiceOptions {
  totp: TotpService;
  login: LoginService;
  accounts: AccountStore;
  hasher: PasswordHasher;
  events: EventPublisher;
  /** Tells owners of every change to their second factor. */
  mailer: Mailer;
  onMailError: (error: unknown) => void;
  now?: () => number;
}

export interface TotpSetup extends TotpEnrolment {
  /** The otpauth URL as a QR code: an SVG data URL. */
  qrCode: string;
}

/**
 * MFA as the account holder and administrators manage it: enrolment (from a session, or
 * from the password step of a login when the role requires MFA), turning it off, new
 * recovery codes, and an administrator's reset. Changes that weaken the account need
 * fresh proof checked under the sign-in lockout budget.
 */
export class MfaService {
  readonly #o: MfaServiceOptions;
  readonly #now: () => number;

  constructor(options: MfaServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Starts enrolment for a signed-in account: a new secret, as text, URL and QR code. */
  async setup(accountId: string): Promise<TotpSetup> {
    const account = await this.#account(accountId);
    return withQrCode(await this.#o.totp.startEnrolment(account.id, account.email));
  }

  /** Turns TOTP on with a first code; resolves with the recovery codes (shown once). */
  async activate(accountId: string, code: string, ctx: RequestContext): Promise<string[]> {
    const account = await this.#account(accountId);
    const codes = await this.#o.totp.activate(account.id, code);
    await this.#publish('mfa.enabled', account.id, userActor(account.id, ctx), ctx, {
      method: 'totp',
    });
    this.#notify(mfaEnabledMail(account.email, this.#now(), ctx.ip));
    return codes;
  }

  /** Turns TOTP off; needs the password and a current code, both right. */
  async disable(
    accountId: string,
    proof: { password: string; code: string },
    ctx: RequestContext,
  ): Promise<void> {
    const account = await this.#enabledAccount(accountId);
    await this.#o.login.confirmCredentials(
      account,
      'mfa.disable',
      async () => {
        // Both are checked whatever the first says, so the answer does not tell which failed.
        const passwordOk = account.passwordHash
          ? await this.#o.hasher.verify(account.passwordHash, proof.password)
          : await this.#o.hasher.verifyDummy(proof.password);
        const codeFailure = await this.#o.totp.checkCode(account.id, proof.code);
        return passwordOk ? codeFailure : 'wrong_password';
      },
      ctx,
    );
    await this.#o.totp.remove(account.id);
    await this.#publish('mfa.disabled', account.id, userActor(account.id, ctx), ctx, {
      method: 'totp',
    });
    this.#notify(mfaDisabledMail(account.email, this.#now(), ctx.ip));
  }

  /** New recovery codes for a current TOTP code; the previous ones die. */
  async regenerateRecoveryCodes(
    accountId: string,
    code: string,
    ctx: RequestContext,
  ): Promise<string[]> {
    const account = await this.#enabledAccount(accountId);
    await this.#o.login.confirmCredentials(
      account,
      'mfa.recovery_codes',
      () => this.#o.totp.checkCode(account.id, code),
      ctx,
    );
    const codes = await this.#o.totp.regenerateRecoveryCodes(account.id);
    await this.#publish(
      'mfa.recovery_codes.regenerated',
      account.id,
      userActor(account.id, ctx),
      ctx,
      { count: codes.length },
    );
    this.#notify(recoveryCodesRegeneratedMail(account.email, this.#now(), ctx.ip));
    return codes;
  }

  status(accountId: string): Promise<TotpStatus> {
    return this.#o.totp.status(accountId);
  }

  /** An administrator removes an account's MFA (a lost device); the owner enrols again. */
  async reset(accountId: string, actor: EventActor, ctx: RequestContext): Promise<void> {
    const account = await this.#account(accountId);
    const wasEnabled = await this.#o.totp.remove(account.id);
    await this.#publish('mfa.reset', account.id, actor, ctx, { wasEnabled });
    if (wasEnabled) this.#notify(mfaResetMail(account.email, this.#now()));
  }

  /** Enrolment inside a login: the mfa_token of a password step that requires it. */
  async setupAtLogin(mfaToken: string): Promise<TotpSetup> {
    const challenge = await this.#o.login.peekChallenge(mfaToken, 'enroll');
    return withQrCode(await this.#o.totp.startEnrolment(challenge.accountId, challenge.email));
  }

  /**
   * Activates the enrolment of a login and completes it: recovery codes and a session
   * whose `amr` says a second factor was used. The challenge is spent only after the
   * factor is on, so a wrong code can be retried with the same mfa_token.
   */
  async activateAtLogin(
    mfaToken: string,
    code: string,
    ctx: RequestContext,
  ): Promise<{ recoveryCodes: string[]; tokens: TokenPair }> {
    const challenge = await this.#o.login.peekChallenge(mfaToken, 'enroll');
    const recoveryCodes = await this.activate(challenge.accountId, code, ctx);
    const { tokens } = await this.#o.login.completeChallenge(mfaToken, [...totpAmr], ctx);
    return { recoveryCodes, tokens };
  }

  #notify(message: MailMessage): void {
    // Not awaited: the answer must not wait on (or reveal) mail delivery.
    this.#o.mailer.send(message).catch(this.#o.onMailError);
  }

  async #account(accountId: string): Promise<AccountWithCredentials> {
    const account = await this.#o.accounts.findAccountWithCredentialsById(accountId);
    if (!account) throw new RampartError(identityErrors.account_not_found);
    return account;
  }

  async #enabledAccount(accountId: string): Promise<AccountWithCredentials> {
    const account = await this.#account(accountId);
    if (!(await this.#o.totp.isEnrolled(account.id)))
      throw new RampartError(identityErrors.mfa_not_enabled);
    return account;
  }

  async #publish(
    type: 'mfa.enabled' | 'mfa.disabled' | 'mfa.recovery_codes.regenerated' | 'mfa.reset',
    accountId: string,
    actor: EventActor,
    ctx: RequestContext,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.#o.events.publish({
      type,
      outcome: 'success',
      actor,
      target: { type: 'account', id: accountId },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details,
    });
  }
}

async function withQrCode(enrolment: TotpEnrolment): Promise<TotpSetup> {
  const svg = await QRCode.toString(enrolment.otpauthUrl, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 2,
  });
  return {
    ...enrolment,
    qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
  };
}
