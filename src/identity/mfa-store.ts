/** Ports for TOTP MFA, recovery codes and password resets. Adapter: src/storage/sql. */

export interface TotpRecord {
  accountId: string;
  /** The secret, sealed with the master key. */
  secretSealed: string;
  createdAt: number;
  enabledAt: number | null;
  lastUsedStep: number | null;
}

export interface MfaStore {
  getTotp(accountId: string): Promise<TotpRecord | undefined>;
  /** Starts (or restarts) enrolment; refused (false) when TOTP is already enabled. */
  savePendingTotp(accountId: string, secretSealed: string, now: number): Promise<boolean>;
  /**
   * Enables a pending enrolment, recording `step` as used and replacing the recovery codes,
   * atomically; false when nothing is pending.
   */
  enableTotp(
    accountId: string,
    step: number,
    recoveryCodeHashes: string[],
    now: number,
  ): Promise<boolean>;
  /** Records `step` as used if it is later than the last used one: a code works once. */
  useTotpStep(accountId: string, step: number): Promise<boolean>;
  /** Removes TOTP and every recovery code. */
  deleteTotp(accountId: string): Promise<void>;
  /** Spends an unused recovery code; of concurrent uses exactly one resolves true. */
  useRecoveryCode(accountId: string, codeHash: string, now: number): Promise<boolean>;
  countUnusedRecoveryCodes(accountId: string): Promise<number>;
  replaceRecoveryCodes(accountId: string, codeHashes: string[], now: number): Promise<void>;
}

export interface PasswordResetStore {
  /** Stores a reset token; earlier unused tokens of the account stop working. */
  createResetToken(token: {
    id: string;
    tokenHash: string;
    accountId: string;
    createdAt: number;
    expiresAt: number;
  }): Promise<void>;
  /** The account of a valid (unused, unexpired) token, without spending it. */
  findValidResetToken(tokenHash: string, now: number): Promise<string | undefined>;
  /** Spends a valid (unused, unexpired) token; resolves with its account, once. */
  consumeResetToken(tokenHash: string, now: number): Promise<string | undefined>;
}
