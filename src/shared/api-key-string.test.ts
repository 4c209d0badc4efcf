import { describe, expect, it } from 'vitest';
import {
  apiKeyChecksum,
  apiKeyEnvironmentFor,
  apiKeyStringPattern,
  createApiKeyString,
  mayBeApiKeyString,
  parseApiKeyString,
} from './api-key-string.js';

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('API key strings', () => {
  it('computes the documented checksum: base62 CRC-32 of rmp_<env>_<random> (a known answer, cross-checked with Python zlib)', () => {
    // zlib.crc32(b'rmp_prod_abcdefghijklmnopqrstuvwxyzABCDEF') == 0xf36f89a4
    expect(apiKeyChecksum('rmp_prod_abcdefghijklmnopqrstuvwxyzABCDEF')).toBe('4SOm1c');
    // zlib.crc32(b'rmp_prod_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ') == 0x425089d9
    const random = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ';
    expect(createApiKeyString({ env: 'prod', random })).toBe(`rmp_prod_${random}_1DIFQn`);
  });

  it('creates random keys that parse back with their environment', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const key = createApiKeyString({ env: 'dev' });
      keys.add(key);
      expect(key).toMatch(/^rmp_dev_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$/);
      const parsed = parseApiKeyString(key);
      expect(parsed).toMatchObject({ ok: true, env: 'dev' });
    }
    expect(keys.size).toBe(200);
  });

  it('tells a typo from a key: every single-character substitution fails the checksum', () => {
    const key = createApiKeyString({ env: 'prod' });
    const start = 'rmp_prod_'.length;
    for (let i = start; i < key.length; i++) {
      if (key[i] === '_') continue;
      for (const c of base62) {
        if (c === key[i]) continue;
        const typo = `${key.slice(0, i)}${c}${key.slice(i + 1)}`;
        expect(parseApiKeyString(typo)).toEqual({ ok: false, reason: 'bad_checksum' });
      }
    }
  });

  it('passes every key through the quick test, and nothing the quick test refuses parses', () => {
    for (const env of ['dv', 'dev', 'prod', 'abcdefgh']) {
      const key = createApiKeyString({ env });
      expect(mayBeApiKeyString(key)).toBe(true);
      for (let cut = 0; cut <= key.length + 8; cut++) {
        for (const text of [
          key.slice(0, cut),
          `${key}${'x'.repeat(Math.max(0, cut - key.length))}`,
        ]) {
          if (!mayBeApiKeyString(text)) expect(parseApiKeyString(text).ok).toBe(false);
        }
      }
      expect(mayBeApiKeyString(key.replace('rmp_', 'rmq_'))).toBe(false);
      expect(mayBeApiKeyString(`${key}${'x'.repeat(7)}`)).toBe(false);
    }
  });

  it('refuses strings that do not have the shape of a key as not_an_api_key', () => {
    const key = createApiKeyString({ env: 'stg' });
    for (const bad of [
      '',
      key.slice(0, -1),
      `${key}x`,
      key.replace('rmp_', 'rmq_'),
      key.replace('_stg_', '_STG_'),
      key.replace('_stg_', '_s_'),
      ` ${key}`,
    ]) {
      expect(parseApiKeyString(bad)).toEqual({ ok: false, reason: 'not_an_api_key' });
    }
  });

  it('refuses invalid environments and random parts when creating', () => {
    expect(() => createApiKeyString({ env: 'Prod' })).toThrow();
    expect(() => createApiKeyString({ env: 'p' })).toThrow();
    expect(() => createApiKeyString({ env: 'dev', random: 'short' })).toThrow();
  });

  it('maps deployment environments to short names', () => {
    expect(apiKeyEnvironmentFor('production')).toBe('prod');
    expect(apiKeyEnvironmentFor('staging')).toBe('stg');
    expect(apiKeyEnvironmentFor('development')).toBe('dev');
  });

  it('finds candidate keys in text with the shared pattern', () => {
    const key = createApiKeyString({ env: 'prod' });
    const text = `const client = new Rampart({ key: "${key}" }); // and rmp_nope`;
    expect([...text.matchAll(apiKeyStringPattern)].map((m) => m[0])).toEqual([key]);
  });
});
