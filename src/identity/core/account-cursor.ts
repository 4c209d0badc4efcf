import { RampartError } from '../../errors/rampart-error.js';
import { identityErrors } from '../errors.js';

/** Cursors are opaque to clients: the last id of a page, base64url-encoded. */
export function encodeCursor(id: string): string {
  return Buffer.from(`a:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('a:') || text.length < 3 || text.length > 80)
    throw new RampartError(identityErrors.account_invalid_cursor);
  return text.slice(2);
}
