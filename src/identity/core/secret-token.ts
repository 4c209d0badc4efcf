import { createHash, randomBytes } from 'node:crypto';

/**
 * Opaque one-time tokens (invitations, the bootstrap token, later refresh and reset
 * tokens): random bytes shown once, stored only as a SHA-256 hash. A fast hash suits
 * values with >= 128 bits of entropy; there is nothing to brute-force.
 */
export function generateSecretToken(prefix: string, bytes = 32): { token: string; hash: string } {
  const token = `${prefix}${randomBytes(bytes).toString('base64url')}`;
  return { token, hash: hashSecretToken(token) };
}

export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
