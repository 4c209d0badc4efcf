/*
 * Attacks on sealed values at rest. Someone with write access to the database (a backup,
 * a replica, an injection elsewhere) edits a sealed secret: truncates its tag so a
 * shorter MAC is accepted, swaps the key id to make the ring try another key, flips a bit
 * of the ciphertext, or moves a value to another row. Every edit must be refused, and the
 * AES-GCM code path itself must agree with Project Wycheproof on every vector.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GcmError, gcmDecrypt } from './aes-gcm.js';
import { envelopeKeyId, KeyRing, newDataKey } from './key-ring.js';
import { createSealer, SealError } from './sealer.js';

interface WycheproofTest {
  tcId: number;
  comment: string;
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
  result: 'valid' | 'invalid' | 'acceptable';
}

const vectors = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/wycheproof/aes_gcm_256_96.json', import.meta.url),
    'utf8',
  ),
) as {
  testGroups: { keySize: number; ivSize: number; tagSize: number; tests: WycheproofTest[] }[];
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('AES-256-GCM against Wycheproof (256-bit keys, 96-bit IVs, 128-bit tags)', () => {
  const tests = vectors.testGroups.flatMap((g) => {
    expect([g.keySize, g.ivSize, g.tagSize]).toEqual([256, 96, 128]);
    return g.tests;
  });

  it('holds both valid and invalid cases', () => {
    expect(tests.filter((t) => t.result === 'valid').length).toBeGreaterThan(10);
    expect(tests.filter((t) => t.result === 'invalid').length).toBeGreaterThan(10);
  });

  it.each(tests.map((t) => [t.tcId, t.comment || t.result, t] as const))(
    'case %i (%s) decrypts exactly when valid',
    (_id, _comment, t) => {
      const run = () =>
        gcmDecrypt(
          Buffer.from(t.key, 'hex'),
          Buffer.from(t.iv, 'hex'),
          Buffer.from(t.ct, 'hex'),
          Buffer.from(t.tag, 'hex'),
          Buffer.from(t.aad, 'hex'),
        );
      if (t.result === 'valid') expect(run().toString('hex')).toBe(t.msg);
      else expect(codeOf(run)).toBe('gcm_auth_failed');
    },
  );

  it('refuses a 12-byte tag even when it is a prefix of the right one', () => {
    const t = tests.find((x) => x.result === 'valid' && x.msg.length > 0) as WycheproofTest;
    const run = () =>
      gcmDecrypt(
        Buffer.from(t.key, 'hex'),
        Buffer.from(t.iv, 'hex'),
        Buffer.from(t.ct, 'hex'),
        Buffer.from(t.tag, 'hex').subarray(0, 12),
        Buffer.from(t.aad, 'hex'),
      );
    expect(() => run()).toThrow(GcmError);
    expect(codeOf(run)).toBe('gcm_bad_parameters');
  });
});

describe('the key ring', () => {
  const a = newDataKey();
  const b = newDataKey();
  const legacy = createSealer(randomBytes(32));
  const ring = new KeyRing({ primary: a, others: [b], legacy });

  it('seals with the primary key under a versioned envelope naming it', () => {
    const sealed = ring.seal('totp secret', 'mfa_totp:acc_1');
    expect(sealed.startsWith(`v2.${a.id}.`)).toBe(true);
    expect(envelopeKeyId(sealed)).toBe(a.id);
    expect(ring.open(sealed, 'mfa_totp:acc_1').toString()).toBe('totp secret');
  });

  it('uses a fresh IV for every value', () => {
    const ivs = new Set(
      Array.from({ length: 50 }, () => ring.seal('same', 'ad').split('.')[2] as string),
    );
    expect(ivs.size).toBe(50);
  });

  it('opens values sealed by any key it holds', () => {
    const older = new KeyRing({ primary: b });
    const sealed = older.seal('old secret', 'ad');
    expect(ring.open(sealed, 'ad').toString()).toBe('old secret');
  });

  it('still opens v1 envelopes sealed directly by the master key', () => {
    const sealed = legacy.seal('from before the ring', 'signing_key:k1');
    expect(ring.open(sealed, 'signing_key:k1').toString()).toBe('from before the ring');
  });

  it('refuses a truncated tag', () => {
    const parts = ring.seal('secret', 'ad').split('.');
    parts[4] = Buffer.from(parts[4] as string, 'base64url')
      .subarray(0, 12)
      .toString('base64url');
    expect(codeOf(() => ring.open(parts.join('.'), 'ad'))).toBe('seal_malformed');
  });

  it('refuses a swapped key id', () => {
    const sealed = ring.seal('secret', 'ad');
    const swapped = sealed.replace(`v2.${a.id}.`, `v2.${b.id}.`);
    expect(codeOf(() => ring.open(swapped, 'ad'))).toBe('seal_tampered');
  });

  it('refuses a swapped key id even when the other id holds the same key bytes', () => {
    // The header is authenticated: the key id is part of the associated data.
    const twin = { id: newDataKey().id, key: Buffer.from(a.key) };
    const twins = new KeyRing({ primary: a, others: [twin] });
    const sealed = twins.seal('secret', 'ad');
    const swapped = sealed.replace(`v2.${a.id}.`, `v2.${twin.id}.`);
    expect(swapped).not.toBe(sealed);
    expect(codeOf(() => twins.open(swapped, 'ad'))).toBe('seal_tampered');
  });

  it('refuses a key id it does not hold and asks for a reload', () => {
    const asked: string[] = [];
    const other = new KeyRing({ primary: a, onUnknownKey: (id) => asked.push(id) });
    const sealed = new KeyRing({ primary: b }).seal('secret', 'ad');
    expect(codeOf(() => other.open(sealed, 'ad'))).toBe('seal_wrong_key');
    expect(asked).toEqual([b.id]);
  });

  it('refuses a flipped bit in the ciphertext, the IV or the tag', () => {
    for (const index of [2, 3, 4]) {
      const parts = ring.seal('a secret of some length', 'ad').split('.');
      const bytes = Buffer.from(parts[index] as string, 'base64url');
      bytes[0] = (bytes[0] as number) ^ 0x01;
      parts[index] = bytes.toString('base64url');
      expect(codeOf(() => ring.open(parts.join('.'), 'ad'))).toBe('seal_tampered');
    }
  });

  it('refuses a value moved to another row (other associated data)', () => {
    const sealed = ring.seal('secret', 'mfa_totp:acc_1');
    expect(codeOf(() => ring.open(sealed, 'mfa_totp:acc_2'))).toBe('seal_tampered');
  });

  it('refuses garbage', () => {
    expect(codeOf(() => ring.open('v9.x.y.z.w', 'ad'))).toBe('seal_malformed');
    expect(() => ring.open('nonsense', 'ad')).toThrow(SealError);
  });
});
