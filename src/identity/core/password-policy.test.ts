import { describe, expect, it } from 'vitest';
import { isCommonPassword } from './common-passwords.js';
import { checkPassword, normalizePassword } from './password-policy.js';

const policy = { minLength: 12, maxLength: 128 };
// A passphrase far from any list entry, to isolate one rule at a time.
const strong = 'violet-harbour-lantern-97';

describe('checkPassword', () => {
  it('accepts a long passphrase with no other issue', () => {
    expect(checkPassword(strong, 'ada@example.com', policy)).toEqual([]);
  });

  describe('length in code points', () => {
    it('refuses 11 characters and accepts 12', () => {
      expect(checkPassword('tqz-vbn-wkp', undefined, policy)).toEqual(['password_too_short']);
      expect(checkPassword('tqz-vbn-wkpx', undefined, policy)).toEqual([]);
    });

    it('counts an emoji as one character, not as its two UTF-16 units', () => {
      // 11 emoji are 22 UTF-16 units: too short all the same.
      expect('🦊'.repeat(11).length).toBe(22);
      expect(checkPassword('🦊'.repeat(11), undefined, policy)).toEqual(['password_too_short']);
      expect(checkPassword('🦊'.repeat(12), undefined, policy)).toEqual([]);
    });

    it('accepts 128 characters and refuses 129, counting emoji as one', () => {
      expect(checkPassword('🦊'.repeat(128), undefined, policy)).toEqual([]);
      expect(checkPassword('🦊'.repeat(129), undefined, policy)).toEqual(['password_too_long']);
      expect(
        checkPassword(`${strong}${'x'.repeat(128 - strong.length)}`, undefined, policy),
      ).toEqual([]);
      expect(
        checkPassword(`${strong}${'x'.repeat(129 - strong.length)}`, undefined, policy),
      ).toEqual(['password_too_long']);
    });

    it('measures the password after NFKC normalisation', () => {
      // U+FB03 (ﬃ) normalises to "ffi": 10 ligatures are 30 characters.
      expect(checkPassword('\uFB03'.repeat(10), undefined, policy)).toEqual([]);
    });
  });

  describe('NFKC normalisation', () => {
    it('makes full-width characters equal to their ASCII forms', () => {
      expect(normalizePassword('ｐａｓｓｗｏｒｄ１２３４')).toBe('password1234');
      expect(normalizePassword('Ｖｉｏｌｅｔ－ｈａｒｂｏｕｒ')).toBe('Violet-harbour');
    });

    it('makes precomposed and combining accents one password', () => {
      expect(normalizePassword('caf\u00e9-au-lait-1987')).toBe(
        normalizePassword('cafe\u0301-au-lait-1987'),
      );
    });

    it('finds a common password typed in full-width characters', () => {
      expect(checkPassword('ｐａｓｓｗｏｒｄ１２３４', undefined, policy)).toEqual([
        'password_common',
      ]);
    });
  });

  describe('common passwords', () => {
    it('refuses an entry of the bundled list, in any case', () => {
      expect(isCommonPassword('password1234')).toBe(true);
      expect(checkPassword('password1234', undefined, policy)).toEqual(['password_common']);
      expect(checkPassword('PassWord1234', undefined, policy)).toEqual(['password_common']);
      expect(checkPassword('qwertyuiopasdf', undefined, policy)).toEqual(['password_common']);
    });

    it('does not refuse a password that merely contains a list entry', () => {
      expect(checkPassword('password1234-violet-harbour', undefined, policy)).toEqual([]);
    });
  });

  describe('email local part', () => {
    it('refuses a password containing the local part, in any case', () => {
      expect(checkPassword('my-ada.lovelace-pass', 'ada.lovelace@example.com', policy)).toEqual([
        'password_contains_email',
      ]);
      expect(checkPassword('my-ADA.LoveLace-pass', 'ada.lovelace@example.com', policy)).toEqual([
        'password_contains_email',
      ]);
    });

    it('refuses a local part written in full-width characters', () => {
      expect(checkPassword('my-ａｄａｌｏｖｅ-pass-1', 'adalove@example.com', policy)).toEqual([
        'password_contains_email',
      ]);
    });

    it('ignores local parts shorter than three characters', () => {
      expect(checkPassword(`al-${strong}`, 'al@example.com', policy)).toEqual([]);
    });

    it('reports every violation, the most fundamental first', () => {
      expect(checkPassword('adalovelace', 'adalovelace@example.com', policy)).toEqual([
        'password_too_short',
        'password_contains_email',
      ]);
    });
  });
});
