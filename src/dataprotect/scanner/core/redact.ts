/**
 * What a report may show of a secret: its first 4 characters and an ellipsis, so a
 * reader can recognise the key in their vault without the report becoming a leak.
 * Secrets shorter than 12 characters show nothing but the ellipsis (4 characters of an
 * 8-character password are half of it).
 *
 * @example
 * redactSecret('ghp_abcdefgh…'); // 'ghp_…'
 */
export function redactSecret(secret: string): string {
  return secret.length < 12 ? '…' : `${secret.slice(0, 4)}…`;
}
