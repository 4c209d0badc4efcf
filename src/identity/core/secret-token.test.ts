import { describe, expect, it } from 'vitest';
import { createApiKeyString } from '../../shared/api-key-string.js';
import {
  generateSecretToken,
  hashSecretToken,
  secretTokenDigest,
  storedTokenHash,
} from './secret-token.js';

describe('secret token hashes', () => {
  it('stores the base64url SHA-256 of the UTF-8 text (a known answer)', () => {
    // printf 'abc' | sha256sum: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    expect(Buffer.from(hashSecretToken('abc'), 'base64url').toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('gives the same hash through the in-memory digest, for keys, tokens and non-ASCII text', () => {
    const texts = [createApiKeyString({ env: 'dev' }), generateSecretToken('rit_').token, 'é€😀'];
    for (const text of texts) {
      const digest = secretTokenDigest(text);
      expect(digest).toHaveLength(32);
      expect(storedTokenHash(digest)).toBe(hashSecretToken(text));
    }
    expect(secretTokenDigest('a')).not.toBe(secretTokenDigest('b'));
  });
});
