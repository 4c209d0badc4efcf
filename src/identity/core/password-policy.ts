import { isCommonPassword } from './common-passwords.js';
import { emailLocalPart } from './email.js';

export interface PasswordPolicyOptions {
  minLength: number;
  maxLength: number;
}

export type PasswordViolation =
  | 'password_too_short'
  | 'password_too_long'
  | 'password_common'
  | 'password_contains_email';

/**
 * Passwords are compared and hashed in NFKC form (NIST SP 800-63B §5.1.1.2), so the same
 * passphrase typed on different keyboards or input methods is the same password.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Length in Unicode code points, as NIST counts it (an emoji is one character). */
function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Checks a new password against the policy: length within bounds (no truncation, no
 * composition rules), not in the common-password list, not containing the email's local
 * part. Returns every violation, most fundamental first; empty means acceptable.
 */
export function checkPassword(
  password: string,
  email: string | undefined,
  options: PasswordPolicyOptions,
): PasswordViolation[] {
  const normalized = normalizePassword(password);
  const length = codePointLength(normalized);
  const violations: PasswordViolation[] = [];
  if (length < options.minLength) violations.push('password_too_short');
  if (length > options.maxLength) {
    violations.push('password_too_long');
    return violations; // nothing more to learn from an oversize input
  }
  if (isCommonPassword(normalized)) violations.push('password_common');
  if (email) {
    // Local parts of 3+ characters only: "al@x" would otherwise forbid every "al" substring.
    const local = normalizePassword(emailLocalPart(email)).toLowerCase();
    if (local.length >= 3 && normalized.toLowerCase().includes(local))
      violations.push('password_contains_email');
  }
  return violations;
}
