import { describe, expect, it } from 'vitest';
import { createBearerTokenCheck } from './bearer-token.js';

describe('bearer token check', () => {
  const allowed = createBearerTokenCheck('scrape-token-0123456789');

  it('accepts the configured token in an Authorization: Bearer header', () => {
    expect(allowed('Bearer scrape-token-0123456789')).toBe(true);
    expect(allowed('bearer scrape-token-0123456789')).toBe(true);
  });

  it('refuses a missing, wrong, truncated, extended or schemeless token', () => {
    for (const header of [
      undefined,
      '',
      'Bearer ',
      'Bearer scrape-token-012345678',
      'Bearer scrape-token-01234567890',
      'scrape-token-0123456789',
      'Basic scrape-token-0123456789',
      'Bearer scrape-token-0123456789 extra',
    ]) {
      expect(allowed(header)).toBe(false);
    }
  });
});
