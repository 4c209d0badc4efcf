import { createHash, randomInt } from 'node:crypto';

export const recoveryCodeCount = 10;

// Crockford-style alphabet: no 0/O or 1/I/L to misread when typed from paper.
const alphabet = '23456789abcdefghjkmnpqrstuvwxyz';
const groups = 4;
const groupLength = 5;

/**
 * Ten single-use recovery codes, shown once. Each is 20 characters from a 31-letter
 * alphabet, ~99 bits of entropy, formatted `xxxxx-xxxxx-xxxxx-xxxxx`.
 *
 * @example
 * const { codes, hashes } = generateRecoveryCodes(); // show codes, store hashes
 */
export function generateRecoveryCodes(count = recoveryCodeCount): {
  codes: string[];
  hashes: string[];
} {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    for (let g = 0; g < groups; g++) {
      let part = '';
      for (let c = 0; c < groupLength; c++) part += alphabet[randomInt(alphabet.length)];
      parts.push(part);
    }
    codes.push(parts.join('-'));
  }
  return { codes, hashes: codes.map(hashRecoveryCode) };
}

/** Case, spaces and dashes do not matter when a person types a code back. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

/**
 * A recovery code's stored form. A fast hash is enough here (unlike passwords): with
 * ~99 bits of entropy per code there is nothing to brute-force from a leaked hash, so
 * argon2 would add cost to every login with a recovery code and no security.
 */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256')
    .update(`rampart/recovery-code/v1:${normalizeRecoveryCode(code)}`, 'utf8')
    .digest('base64url');
}
