import { type MasterKeyRing, masterFingerprintOf } from './core/master-key-ring.js';
import type {
  DataKeyStatus,
  EncryptedField,
  EncryptedFieldStore,
  MasterKeyRotation,
  StoredDataKey,
} from './store.js';

/** Which master key seals each data key, and whether a previous master key is still needed. */
export interface MasterKeyStatus {
  /** Fingerprint of `masterKey`. */
  current: string;
  dataKeys: { id: string; status: DataKeyStatus; sealedBy: string | null }[];
  /** Values still sealed directly by a master key (`v1.`), per fingerprint. */
  legacyValues: Record<string, number>;
  previous: PreviousMasterKey[];
  /** Data keys and values sealed by a master key that is not configured (normally 0). */
  unknown: { dataKeys: number; legacyValues: number };
  rotation: MasterKeyRotation | undefined;
}

export interface PreviousMasterKey {
  fingerprint: string;
  /** Data keys (retired ones too) sealed by it. */
  dataKeys: number;
  legacyValues: number;
  /**
   * Until when idempotent responses cached in the hot store may still be sealed by it
   * (the rotation's end plus `idempotency.ttl`), or null when no rotation moved from it.
   */
  cachedResponsesUntil: number | null;
  /** False once nothing stored needs it: it may be removed from `masterKeyPrevious`. */
  needed: boolean;
}

export interface MasterKeyStatusInput {
  masterKeys: MasterKeyRing;
  keys: readonly StoredDataKey[];
  fields: EncryptedFieldStore;
  encryptedFields: readonly EncryptedField[];
  rotation: MasterKeyRotation | undefined;
  idempotencyTtlMs: number;
  now: number;
}

/**
 * Reads the state from the stored envelopes themselves (each names the master key that
 * sealed it), so the answer is the same on every node and after any crash.
 */
export async function readMasterKeyStatus(input: MasterKeyStatusInput): Promise<MasterKeyStatus> {
  const { masterKeys, keys, rotation, now } = input;
  const dataKeys = keys.map((k) => ({
    id: k.id,
    status: k.status,
    sealedBy: masterFingerprintOf(k.keySealed) ?? null,
  }));
  const legacyValues: Record<string, number> = {};
  let legacyTotal = 0;
  for (const field of input.encryptedFields) {
    legacyTotal += await input.fields.countWithPrefix(field, 'v1.');
    for (const fingerprint of [masterKeys.keyId, ...masterKeys.previous]) {
      const n = await input.fields.countWithPrefix(field, `v1.${fingerprint}.`);
      if (n > 0) legacyValues[fingerprint] = (legacyValues[fingerprint] ?? 0) + n;
    }
  }
  const knownLegacy = Object.values(legacyValues).reduce((a, b) => a + b, 0);
  const previous = masterKeys.previous.map((fingerprint): PreviousMasterKey => {
    const sealedKeys = dataKeys.filter((k) => k.sealedBy === fingerprint).length;
    const values = legacyValues[fingerprint] ?? 0;
    const movedFrom = rotation?.fromKeyIds.includes(fingerprint) ?? false;
    const cachedResponsesUntil =
      movedFrom && rotation?.finishedAt != null
        ? rotation.finishedAt + input.idempotencyTtlMs
        : null;
    const running = movedFrom && rotation?.status === 'running';
    return {
      fingerprint,
      dataKeys: sealedKeys,
      legacyValues: values,
      cachedResponsesUntil,
      needed:
        sealedKeys > 0 ||
        values > 0 ||
        running ||
        (cachedResponsesUntil !== null && now < cachedResponsesUntil),
    };
  });
  return {
    current: masterKeys.keyId,
    dataKeys,
    legacyValues,
    previous,
    unknown: {
      dataKeys: dataKeys.filter((k) => k.sealedBy === null || !masterKeys.holds(k.sealedBy)).length,
      legacyValues: legacyTotal - knownLegacy,
    },
    rotation,
  };
}
