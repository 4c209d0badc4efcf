import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSealer } from './sealer.js';

const context = 'signing_key:kid-1';

function flipBit(base64url: string, byte: number): string {
  const bytes = Buffer.from(base64url, 'base64url');
  bytes[byte] = (bytes[byte] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
}

function parts(envelope: string): [string, string, string, string, string] {
  return envelope.split('.') as [string, string, string, string, string];
}

describe('createSealer', () => {
  it('opens what it sealed, for text and for bytes', () => {
    const sealer = createSealer(randomBytes(32));
    expect(sealer.open(sealer.seal('a private JWK', context), context).toString('utf8')).toBe(
      'a private JWK',
    );
    const bytes = randomBytes(100);
    expect(sealer.open(sealer.seal(bytes, context), context)).toEqual(bytes);
    expect(sealer.open(sealer.seal('', context), context)).toHaveLength(0);
  });

  it('writes a v1 envelope naming the key, never the plaintext', () => {
    const sealer = createSealer(randomBytes(32));
    const envelope = sealer.seal('secret-value', context);
    const [version, keyId] = parts(envelope);
    expect(version).toBe('v1');
    expect(keyId).toBe(sealer.keyId);
    expect(envelope).not.toContain('secret-value');
    expect(envelope).not.toContain(Buffer.from('secret-value').toString('base64url'));
  });

  it('uses a fresh IV each time, so equal plaintexts seal differently', () => {
    const sealer = createSealer(randomBytes(32));
    expect(sealer.seal('same', context)).not.toBe(sealer.seal('same', context));
  });

  it('derives the same key from the same master key', () => {
    const master = randomBytes(32);
    const envelope = createSealer(master).seal('value', context);
    expect(createSealer(Buffer.from(master)).open(envelope, context).toString()).toBe('value');
  });

  it('refuses other associated data as seal_tampered: a value moved to another row', () => {
    const sealer = createSealer(randomBytes(32));
    const envelope = sealer.seal('value', 'signing_key:kid-1');
    expect(() => sealer.open(envelope, 'signing_key:kid-2')).toThrow(
      expect.objectContaining({ code: 'seal_tampered' }),
    );
  });

  it('refuses a flipped bit in the ciphertext, the IV or the tag as seal_tampered', () => {
    const sealer = createSealer(randomBytes(32));
    const [v, id, iv, ct, tag] = parts(sealer.seal('a value long enough', context));
    for (const tampered of [
      [v, id, iv, flipBit(ct, 0), tag],
      [v, id, iv, flipBit(ct, 18), tag],
      [v, id, flipBit(iv, 11), ct, tag],
      [v, id, iv, ct, flipBit(tag, 15)],
    ]) {
      expect(() => sealer.open(tampered.join('.'), context)).toThrow(
        expect.objectContaining({ code: 'seal_tampered' }),
      );
    }
  });

  it('refuses a truncated tag as seal_malformed, before any decryption', () => {
    const sealer = createSealer(randomBytes(32));
    const [v, id, iv, ct, tag] = parts(sealer.seal('value', context));
    const short = Buffer.from(tag, 'base64url').subarray(0, 12).toString('base64url');
    expect(() => sealer.open([v, id, iv, ct, short].join('.'), context)).toThrow(
      expect.objectContaining({ code: 'seal_malformed' }),
    );
    expect(() => sealer.open([v, id, iv, ct, ''].join('.'), context)).toThrow(
      expect.objectContaining({ code: 'seal_malformed' }),
    );
  });

  it('refuses an envelope sealed under another master key as seal_wrong_key', () => {
    const envelope = createSealer(randomBytes(32)).seal('value', context);
    expect(() => createSealer(randomBytes(32)).open(envelope, context)).toThrow(
      expect.objectContaining({ code: 'seal_wrong_key' }),
    );
  });

  it('refuses another master key as seal_tampered even when the key id is forged', () => {
    const other = createSealer(randomBytes(32));
    const [v, , iv, ct, tag] = parts(createSealer(randomBytes(32)).seal('value', context));
    expect(() => other.open([v, other.keyId, iv, ct, tag].join('.'), context)).toThrow(
      expect.objectContaining({ code: 'seal_tampered' }),
    );
  });

  it('refuses anything that is not a v1 envelope as seal_malformed', () => {
    const sealer = createSealer(randomBytes(32));
    const [, id, iv, ct, tag] = parts(sealer.seal('value', context));
    for (const bad of ['', 'plaintext', `v2.${id}.${iv}.${ct}.${tag}`, `v1.${id}.${iv}.${ct}`]) {
      expect(() => sealer.open(bad, context)).toThrow(
        expect.objectContaining({ code: 'seal_malformed' }),
      );
    }
  });
});
