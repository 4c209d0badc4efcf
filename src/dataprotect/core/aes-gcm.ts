import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** AES-256-GCM parameters Rampart accepts, and nothing else. */
export const gcmKeyBytes = 32;
export const gcmIvBytes = 12;
export const gcmTagBytes = 16;

export interface GcmSealed {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export class GcmError extends Error {
  readonly code: 'gcm_bad_parameters' | 'gcm_auth_failed';
  constructor(code: GcmError['code'], message: string) {
    super(message);
    this.name = 'GcmError';
    this.code = code;
  }
}

/**
 * Encrypts under a fresh random 96-bit IV (NIST SP 800-38D §8.2.2: random IVs are safe
 * for up to 2^32 messages per key; rotation keeps every data key far below that).
 */
export function gcmEncrypt(key: Buffer, plaintext: Uint8Array, aad: Buffer): GcmSealed {
  if (key.length !== gcmKeyBytes) throw new GcmError('gcm_bad_parameters', 'key must be 32 bytes');
  const iv = randomBytes(gcmIvBytes);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: gcmTagBytes });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/**
 * The one decryption path of the key ring (and of its Wycheproof tests). The lengths are
 * checked before OpenSSL sees them: GCM verifies a truncated tag as a shorter MAC unless
 * `authTagLength` pins it, and a non-96-bit IV goes through GHASH, which we never use.
 */
export function gcmDecrypt(
  key: Buffer,
  iv: Buffer,
  ciphertext: Buffer,
  tag: Buffer,
  aad: Buffer,
): Buffer {
  if (key.length !== gcmKeyBytes || iv.length !== gcmIvBytes || tag.length !== gcmTagBytes)
    throw new GcmError('gcm_bad_parameters', 'bad key, IV or tag length');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: gcmTagBytes });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new GcmError('gcm_auth_failed', 'ciphertext failed authentication');
  }
}
