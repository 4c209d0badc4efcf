/**
 * What the login flow needs from MFA. Implemented by the TOTP service (core/totp-service.ts);
 * kept as an interface so the password step does not depend on how factors work.
 */
export type SecondFactorProof = { code: string } | { recoveryCode: string };

export type SecondFactorResult =
  | { ok: true; amr: string[] }
  | { ok: false; reason: 'wrong_code' | 'replayed' | 'not_enrolled' | 'recovery_code_invalid' };

export interface SecondFactor {
  /** True when the account has an active second factor. */
  isEnrolled(accountId: string): Promise<boolean>;
  /** Checks a TOTP code or a recovery code; each is accepted once. */
  verify(accountId: string, proof: SecondFactorProof): Promise<SecondFactorResult>;
}
