import { RampartError } from '../errors/rampart-error.js';
import { type MasterKeyRing, masterFingerprintOf } from './core/master-key-ring.js';
import type { Sealer } from './core/sealer.js';
import { dataProtectErrors } from './errors.js';
import type { StoredDataKey } from './store.js';

function configuredOf(masterKeys: Sealer): string {
  const previous = (masterKeys as Partial<MasterKeyRing>).previous ?? [];
  return previous.length === 0
    ? `${masterKeys.keyId} (masterKey)`
    : `${masterKeys.keyId} (masterKey), ${previous.join(', ')} (masterKeyPrevious)`;
}

/**
 * `master_key_mismatch`: a stored data key does not open with the configured master keys.
 * The detail names the data key and fingerprints only (never key material), so an
 * operator can tell which key to configure.
 */
export function masterKeyMismatch(
  key: StoredDataKey,
  masterKeys: Sealer,
  cause?: unknown,
): RampartError {
  const needed = masterFingerprintOf(key.keySealed);
  const holds = (masterKeys as Partial<MasterKeyRing>).holds;
  const known = needed !== undefined && (holds ? holds(needed) : needed === masterKeys.keyId);
  const detail = known
    ? `data key ${key.id} does not open with the configured master key ${needed}: the stored value was altered, or that key is not the one it was sealed with`
    : `data key ${key.id} is sealed by master key ${needed ?? '(unreadable envelope)'}, which is not configured (configured: ${configuredOf(masterKeys)}); set masterKey or masterKeyPrevious to that key and start again`;
  return new RampartError(dataProtectErrors.master_key_mismatch, {
    detail,
    context: { dataKeyId: key.id, needed: needed ?? null, status: key.status },
    cause,
  });
}

/**
 * Checks, without unsealing, that every stored data key (retired ones too) names a
 * configured master key: a start-up with the wrong keys stops here, loudly, instead of
 * losing the keys a later step would need.
 */
export function assertMasterKeysHold(keys: readonly StoredDataKey[], masterKeys: Sealer): void {
  const holds = (masterKeys as Partial<MasterKeyRing>).holds;
  for (const key of keys) {
    const fingerprint = masterFingerprintOf(key.keySealed);
    const ok =
      fingerprint !== undefined && (holds ? holds(fingerprint) : fingerprint === masterKeys.keyId);
    if (!ok) throw masterKeyMismatch(key, masterKeys);
  }
}
