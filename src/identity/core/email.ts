/**
 * Normalises an email address for storage and lookup: Unicode NFC, surrounding space
 * trimmed, lower-cased. Uniqueness and login are therefore case-insensitive; the
 * mailbox part is lower-cased too, because treating `Bob@x` and `bob@x` as two accounts
 * invites impersonation while virtually no mail system distinguishes them.
 */
export function normalizeEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/** The part before the last `@`, for the password policy. */
export function emailLocalPart(email: string): string {
  const at = email.lastIndexOf('@');
  return at === -1 ? email : email.slice(0, at);
}
