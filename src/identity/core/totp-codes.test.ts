import { Secret } from 'otpauth';
import { describe, expect, it } from 'vitest';
import {
  generateTotpCode,
  generateTotpSecret,
  matchTotpCode,
  type TotpAlgorithm,
  totpCodeAtStep,
  totpSecretBase32,
  totpStep,
  totpUri,
} from './totp-codes.js';

// RFC 6238 Appendix B: each hash has its own seed, the ASCII digits repeated to the
// hash's output length (20, 32 and 64 bytes), and codes have 8 digits.
const seeds: Record<TotpAlgorithm, Buffer> = {
  SHA1: Buffer.from('12345678901234567890', 'ascii'),
  SHA256: Buffer.from('12345678901234567890123456789012', 'ascii'),
  SHA512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
};

const vectors: [seconds: number, algorithm: TotpAlgorithm, code: string][] = [
  [59, 'SHA1', '94287082'],
  [59, 'SHA256', '46119246'],
  [59, 'SHA512', '90693936'],
  [1111111109, 'SHA1', '07081804'],
  [1111111109, 'SHA256', '68084774'],
  [1111111109, 'SHA512', '25091201'],
  [1111111111, 'SHA1', '14050471'],
  [1111111111, 'SHA256', '67062674'],
  [1111111111, 'SHA512', '99943326'],
  [1234567890, 'SHA1', '89005924'],
  [1234567890, 'SHA256', '91819424'],
  [1234567890, 'SHA512', '93441116'],
  [2000000000, 'SHA1', '69279037'],
  [2000000000, 'SHA256', '90698825'],
  [2000000000, 'SHA512', '38618901'],
  [20000000000, 'SHA1', '65353130'],
  [20000000000, 'SHA256', '77737706'],
  [20000000000, 'SHA512', '47863826'],
];

describe('RFC 6238 Appendix B test vectors', () => {
  it('has all 18 vectors with seeds of 20, 32 and 64 bytes', () => {
    expect(vectors).toHaveLength(18);
    expect([seeds.SHA1.length, seeds.SHA256.length, seeds.SHA512.length]).toEqual([20, 32, 64]);
  });

  for (const [seconds, algorithm, code] of vectors) {
    const parameters = { algorithm, digits: 8, period: 30 };

    it(`generates ${code} at T=${seconds} with ${algorithm}`, () => {
      expect(generateTotpCode(seeds[algorithm], seconds * 1000, parameters)).toBe(code);
    });

    it(`accepts ${code} at T=${seconds} with ${algorithm} in its own step`, () => {
      const step = totpStep(seconds * 1000);
      expect(matchTotpCode(seeds[algorithm], code, seconds * 1000, parameters)).toBe(step);
    });
  }
});

describe('TOTP codes', () => {
  const secret = generateTotpSecret();
  const now = 1_700_000_015_000; // the middle of a step

  it('makes 160-bit secrets, a new one each time', () => {
    expect(secret).toHaveLength(20);
    expect(generateTotpSecret().equals(secret)).toBe(false);
  });

  it('uses 30-second steps and 6 digits by default', () => {
    expect(totpStep(59_000)).toBe(1);
    expect(totpStep(60_000)).toBe(2);
    expect(generateTotpCode(secret, now)).toMatch(/^[0-9]{6}$/);
  });

  it('accepts codes of the steps one either side, and says which step matched', () => {
    const step = totpStep(now);
    for (const offset of [-1, 0, 1]) {
      const code = totpCodeAtStep(secret, step + offset);
      expect(matchTotpCode(secret, code, now)).toBe(step + offset);
    }
  });

  it('refuses codes two steps away', () => {
    const step = totpStep(now);
    for (const offset of [-2, 2]) {
      const code = totpCodeAtStep(secret, step + offset);
      // A code of another step may collide with one in the window (1 in 10^6 each).
      const collides = [-1, 0, 1].some((o) => totpCodeAtStep(secret, step + o) === code);
      if (!collides) expect(matchTotpCode(secret, code, now)).toBeUndefined();
    }
  });

  it('refuses codes of the wrong length or with other characters', () => {
    const code = generateTotpCode(secret, now);
    expect(matchTotpCode(secret, `${code}0`, now)).toBeUndefined();
    expect(matchTotpCode(secret, code.slice(1), now)).toBeUndefined();
    expect(matchTotpCode(secret, ` ${code.slice(1)}`, now)).toBeUndefined();
    expect(matchTotpCode(secret, '', now)).toBeUndefined();
  });

  it('builds a Key Uri Format URL that carries the same secret', () => {
    const url = new URL(totpUri(secret, 'Rampart', 'ada@example.com'));
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/Rampart:ada@example.com');
    expect(url.searchParams.get('issuer')).toBe('Rampart');
    expect(url.searchParams.get('algorithm')).toBe('SHA1');
    expect(url.searchParams.get('digits')).toBe('6');
    expect(url.searchParams.get('period')).toBe('30');
    const base32 = url.searchParams.get('secret') ?? '';
    expect(base32).toBe(totpSecretBase32(secret));
    expect(Buffer.from(Secret.fromBase32(base32).bytes).equals(secret)).toBe(true);
  });
});
