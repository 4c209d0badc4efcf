import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A check of `Authorization: Bearer <token>` against the configured token in constant
 * time: both sides are hashed first, so neither the content nor the length of the
 * expected token leaks through timing.
 *
 * @example
 * const allowed = createBearerTokenCheck('a-long-scrape-token');
 * allowed(request.headers.authorization); // true or false
 */
export function createBearerTokenCheck(token: string): (header: string | undefined) => boolean {
  const expected = createHash('sha256').update(token).digest();
  return (header) => {
    if (header === undefined) return false;
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    const presented = createHash('sha256')
      .update(match?.[1] ?? '')
      .digest();
    // Always compare, even for a malformed header, so both paths take the same time.
    return timingSafeEqual(presented, expected) && match !== null;
  };
}
