import { sealedContexts } from '../../dataprotect/core/associated-data.js';
import type { Sealer } from '../../dataprotect/core/sealer.js';
import { RampartError } from '../../errors/rampart-error.js';
import { identityErrors } from '../errors.js';
import type { MfaStore, TotpRecord } from '../mfa-store.js';
import { generateRecoveryCodes, hashRecoveryCode } from './recovery-codes.js';
import type { SecondFactor, SecondFactorProof, SecondFactorResult } from './second-factor.js';
import { generateTotpSecret, matchTotpCode, totpSecretBase32, totpUri } from './totp-codes.js';

export interface TotpServiceOptions {
  store: MfaStore;
  sealer: Sealer;
  /** Shown by authenticator apps next to the account name. */
  issuer: string;
  now?: () => number;
}

export interface TotpEnrolment {
  /** Base32, for typing into an app by hand. */
  secret: string;
  otpauthUrl: string;
}

export interface TotpStatus {
  enabled: boolean;
  enabledAt: number | null;
  recoveryCodesRemaining: number;
}

/** RFC 8176 `amr` values a second factor adds to `pwd`; `mfa` marks the session as MFA. */
export const totpAmr = ['otp', 'mfa'];
export const recoveryCodeAmr = ['recovery', 'mfa'];

/**
 * TOTP (RFC 6238) with recovery codes: the second factor behind the login's MFA step and
 * the operations of enrolment. The secret rests sealed with the master key, bound to its
 * account (moving a sealed secret to another account's row fails to open). Each code is
 * accepted once: the store keeps the last used step and only a later one is accepted,
 * which also refuses an older code after a newer one.
 */
export class TotpService implements SecondFactor {
  readonly #o: TotpServiceOptions;
  readonly #now: () => number;

  constructor(options: TotpServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  async isEnrolled(accountId: string): Promise<boolean> {
    const record = await this.#o.store.getTotp(accountId);
    return record?.enabledAt != null;
  }

  async verify(accountId: string, proof: SecondFactorProof): Promise<SecondFactorResult> {
    const record = await this.#o.store.getTotp(accountId);
    if (record?.enabledAt == null) return { ok: false, reason: 'not_enrolled' };
    if ('recoveryCode' in proof) {
      const spent = await this.#o.store.useRecoveryCode(
        accountId,
        hashRecoveryCode(proof.recoveryCode),
        this.#now(),
      );
      return spent
        ? { ok: true, amr: [...recoveryCodeAmr] }
        : { ok: false, reason: 'recovery_code_invalid' };
    }
    const step = matchTotpCode(this.#secretOf(record), proof.code, this.#now());
    if (step === undefined) return { ok: false, reason: 'wrong_code' };
    // Atomic compare-and-set on the last used step: of two concurrent uses of one code,
    // one wins; a code from a step at or before the last accepted one is a replay.
    if (!(await this.#o.store.useTotpStep(accountId, step)))
      return { ok: false, reason: 'replayed' };
    return { ok: true, amr: [...totpAmr] };
  }

  /**
   * Starts (or restarts) enrolment with a new secret; the factor is off until
   * `activate` proves the app holds it. Refused when TOTP is already on.
   */
  async startEnrolment(accountId: string, accountName: string): Promise<TotpEnrolment> {
    const secret = generateTotpSecret();
    const saved = await this.#o.store.savePendingTotp(
      accountId,
      this.#o.sealer.seal(secret, sealContext(accountId)),
      this.#now(),
    );
    if (!saved) throw new RampartError(identityErrors.mfa_already_enabled);
    return {
      secret: totpSecretBase32(secret),
      otpauthUrl: totpUri(secret, this.#o.issuer, accountName),
    };
  }

  /**
   * Turns TOTP on with a first code from the app and returns the recovery codes, which
   * exist only in this answer (only their hashes are stored).
   */
  async activate(accountId: string, code: string): Promise<string[]> {
    const record = await this.#o.store.getTotp(accountId);
    if (!record) throw new RampartError(identityErrors.mfa_setup_required);
    if (record.enabledAt != null) throw new RampartError(identityErrors.mfa_already_enabled);
    const step = matchTotpCode(this.#secretOf(record), code, this.#now());
    if (step === undefined)
      throw new RampartError(identityErrors.invalid_mfa_code, {
        context: { reason: 'wrong_code' },
      });
    const { codes, hashes } = generateRecoveryCodes();
    // Records the step as used too, so the activation code cannot also sign in.
    if (!(await this.#o.store.enableTotp(accountId, step, hashes, this.#now())))
      throw new RampartError(identityErrors.mfa_already_enabled);
    return codes;
  }

  /** Checks a TOTP code of an enabled factor (spending it): the reason it fails, if it does. */
  async checkCode(accountId: string, code: string): Promise<string | undefined> {
    const result = await this.verify(accountId, { code });
    return result.ok ? undefined : result.reason;
  }

  /** Replaces every recovery code; the old ones stop working at once. */
  async regenerateRecoveryCodes(accountId: string): Promise<string[]> {
    const { codes, hashes } = generateRecoveryCodes();
    await this.#o.store.replaceRecoveryCodes(accountId, hashes, this.#now());
    return codes;
  }

  /** Removes TOTP and the recovery codes; resolves with whether a factor was enabled. */
  async remove(accountId: string): Promise<boolean> {
    const record = await this.#o.store.getTotp(accountId);
    await this.#o.store.deleteTotp(accountId);
    return record?.enabledAt != null;
  }

  async status(accountId: string): Promise<TotpStatus> {
    const record = await this.#o.store.getTotp(accountId);
    const enabledAt = record?.enabledAt ?? null;
    return {
      enabled: enabledAt !== null,
      enabledAt,
      recoveryCodesRemaining:
        enabledAt === null ? 0 : await this.#o.store.countUnusedRecoveryCodes(accountId),
    };
  }

  #secretOf(record: TotpRecord): Buffer {
    return this.#o.sealer.open(record.secretSealed, sealContext(record.accountId));
  }
}

const sealContext = sealedContexts.mfaTotp;
