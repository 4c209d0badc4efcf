import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createMasterKeyRing,
  masterFingerprintOf,
  masterKeyFingerprint,
} from './master-key-ring.js';
import { createSealer } from './sealer.js';

const ad = 'data_key:k1';

describe('createMasterKeyRing', () => {
  it('seals with the current key and names it by fingerprint', () => {
    const current = randomBytes(32);
    const ring = createMasterKeyRing(current, [randomBytes(32)]);
    const sealed = ring.seal('key material', ad);
    expect(ring.keyId).toBe(masterKeyFingerprint(current));
    expect(masterFingerprintOf(sealed)).toBe(ring.keyId);
    expect(createSealer(current).open(sealed, ad).toString()).toBe('key material');
  });

  it('opens envelopes sealed by a previous key, and by the current one', () => {
    const old = randomBytes(32);
    const ring = createMasterKeyRing(randomBytes(32), [old]);
    expect(ring.previous).toEqual([masterKeyFingerprint(old)]);
    expect(ring.open(createSealer(old).seal('old', ad), ad).toString()).toBe('old');
    expect(ring.open(ring.seal('new', ad), ad).toString()).toBe('new');
  });

  it('refuses an envelope of a key it does not hold as seal_wrong_key', () => {
    const ring = createMasterKeyRing(randomBytes(32), [randomBytes(32)]);
    const stranger = createSealer(randomBytes(32));
    expect(ring.holds(stranger.keyId)).toBe(false);
    expect(() => ring.open(stranger.seal('x', ad), ad)).toThrow(
      expect.objectContaining({ code: 'seal_wrong_key' }),
    );
    expect(() => ring.open('v2.abc.def.ghi.jkl', ad)).toThrow(
      expect.objectContaining({ code: 'seal_malformed' }),
    );
  });

  it('refuses a tampered envelope of a held key as seal_tampered', () => {
    const old = randomBytes(32);
    const ring = createMasterKeyRing(randomBytes(32), [old]);
    const sealed = createSealer(old).seal('x', ad);
    expect(() => ring.open(sealed, 'data_key:k2')).toThrow(
      expect.objectContaining({ code: 'seal_tampered' }),
    );
  });

  it('ignores the current key listed again as a previous one', () => {
    const current = randomBytes(32);
    expect(createMasterKeyRing(current, [Buffer.from(current)]).previous).toEqual([]);
  });

  it('reads the fingerprint of a v1 envelope only', () => {
    expect(masterFingerprintOf('v1.abc.iv.ct.tag')).toBe('abc');
    expect(masterFingerprintOf('v2.abc.iv.ct.tag')).toBeUndefined();
    expect(masterFingerprintOf('v1.')).toBeUndefined();
  });
});
