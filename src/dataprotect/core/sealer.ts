import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Seals small secrets at rest with AES-256-GCM under a key derived from the master key.
 *
 * Envelope (text, safe in any column): `v1.<keyId>.<iv>.<ciphertext>.<tag>`, parts in
 * base64url. `keyId` names the sealing key so a wrong master key is reported as such
 * instead of as corruption. The associated data binds a sealed value to its place
 * (e.g. `signing_key:<kid>`): moving a sealed value to another row fails to open.
 */
export interface Sealer {
  /** Identifies the derived sealing key (not secret). */
  readonly keyId: string;
  seal(plaintext: Uint8Array | string, associatedData: string): string;
  open(envelope: string, associatedData: string): Buffer;
}

export class SealError extends Error {
  readonly code: 'seal_malformed' | 'seal_wrong_key' | 'seal_tampered';
  constructor(code: SealError['code'], message: string) {
    super(message);
    this.name = 'SealError';
    this.code = code;
  }
}

const ivBytes = 12;
const tagBytes = 16;

export function createSealer(masterKey: Buffer): Sealer {
  // HKDF (RFC 5869) gives a key for this one purpose; later purposes derive their own.
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'rampart/seal/v1', 32));
  const keyId = createHash('sha256').update(key).digest('base64url').slice(0, 12);
  return {
    keyId,
    seal(plaintext, associatedData) {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagBytes });
      cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
      const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [
        'v1',
        keyId,
        iv.toString('base64url'),
        ciphertext.toString('base64url'),
        tag.toString('base64url'),
      ].join('.');
    },
    open(envelope, associatedData) {
      const parts = envelope.split('.');
      if (parts.length !== 5 || parts[0] !== 'v1')
        throw new SealError('seal_malformed', 'not a sealed value');
      const [, id, ivText, ctText, tagText] = parts as [string, string, string, string, string];
      if (id !== keyId) throw new SealError('seal_wrong_key', 'sealed with a different master key');
      const iv = Buffer.from(ivText, 'base64url');
      const tag = Buffer.from(tagText, 'base64url');
      if (iv.length !== ivBytes || tag.length !== tagBytes)
        throw new SealError('seal_malformed', 'bad IV or tag length');
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: tagBytes });
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(Buffer.from(ctText, 'base64url')), decipher.final()]);
      } catch {
        throw new SealError('seal_tampered', 'sealed value failed authentication');
      }
    },
  };
}
