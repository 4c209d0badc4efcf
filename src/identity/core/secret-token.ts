import { hash, randomBytes } from 'node:crypto';

/**
 * Opaque one-time tokens (invitations, the bootstrap token, later refresh and reset
 * tokens): random bytes shown once, stored only as a SHA-256 hash. A fast hash suits
 * values with >= 128 bits of entropy; there is nothing to brute-force.
 */
export function generateSecretToken(prefix: string, bytes = 32): { token: string; hash: string } {
  const token = `${prefix}${randomBytes(bytes).toString('base64url')}`;
  return { token, hash: hashSecretToken(token) };
}

/** SHA-256 of the UTF-8 bytes, base64url; the one-shot `crypto.hash` (a quarter of a Hash object's cost). */
export function hashSecretToken(token: string): string {
  return hash('sha256', token, 'base64url');
}

/**
 * SHA-256 of the UTF-8 bytes as a 32-character binary (`latin1`) string: a map key for
 * in-memory lookups of a token's hash on a hot path. Cheaper to make than base64url or
 * hex (measured), and a Buffer digest cannot key a Map. {@link storedTokenHash} turns it
 * into the stored form.
 */
export function secretTokenDigest(token: string): string {
  return hash('sha256', token, 'binary');
}

/** The stored form ({@link hashSecretToken}'s base64url) of a {@link secretTokenDigest}. */
export function storedTokenHash(digest: string): string {
  return Buffer.from(digest, 'latin1').toString('base64url');
}
