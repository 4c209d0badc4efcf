/**
 * The master key seals every secret Rampart keeps at rest (signing keys now; the data key
 * ring, MFA secrets and webhook secrets as they arrive). It is given as base64, base64url
 * or hex and must decode to at least 32 bytes (256 bits).
 */
export const masterKeyMinBytes = 32;

export type MasterKeyParse = { ok: true; key: Buffer } | { ok: false; reason: string };

export function parseMasterKey(text: string): MasterKeyParse {
  const trimmed = text.trim();
  let key: Buffer;
  if (/^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length % 2 === 0 && trimmed.length >= 64) {
    key = Buffer.from(trimmed, 'hex');
  } else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  } else {
    return { ok: false, reason: 'must be base64, base64url or hex' };
  }
  if (key.length < masterKeyMinBytes) {
    return {
      ok: false,
      reason: `is too short: ${key.length} bytes, needs at least ${masterKeyMinBytes} random bytes (openssl rand -base64 32)`,
    };
  }
  // A key of repeated characters ("aaaa…", "0000…") decodes to few distinct bytes; 32
  // random bytes essentially never have fewer than 16 distinct values.
  if (new Set(key).size < 16) {
    return { ok: false, reason: 'does not look random: generate one with openssl rand -base64 32' };
  }
  return { ok: true, key };
}
