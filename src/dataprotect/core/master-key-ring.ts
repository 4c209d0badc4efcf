import { createSealer, SealError, type Sealer } from './sealer.js';

/**
 * The configured master keys as one `Sealer`: seals with the current key (`masterKey`),
 * opens `v1.` envelopes sealed by the current key or by any previous one
 * (`masterKeyPrevious`). A rotation is in progress while a previous key is configured.
 *
 * Each key is known by its *fingerprint*: the key id its envelopes carry (a SHA-256 of the
 * key derived for sealing, 72 bits, base64url). It identifies a key without revealing it,
 * so operators, logs and the admin API name master keys by fingerprint only.
 *
 * @example
 * const ring = createMasterKeyRing(newKey, [oldKey]);
 * ring.open(sealedByOldKey, 'data_key:k1'); // opens
 * ring.seal(bytes, 'data_key:k1');          // v1.<fingerprint of newKey>.…
 */
export interface MasterKeyRing extends Sealer {
  /** The fingerprint of the current master key (the one new envelopes are sealed with). */
  readonly keyId: string;
  /** Fingerprints of the previous master keys, in configuration order. */
  readonly previous: readonly string[];
  /** Whether an envelope sealed with this fingerprint opens here. */
  holds(fingerprint: string): boolean;
}

/** The master-key fingerprint a `v1.` envelope names, or undefined for anything else. */
export function masterFingerprintOf(envelope: string): string | undefined {
  if (!envelope.startsWith('v1.')) return undefined;
  const end = envelope.indexOf('.', 3);
  return end < 0 ? undefined : envelope.slice(3, end);
}

/** The fingerprint of one master key (what `createMasterKeyRing` reports for it). */
export function masterKeyFingerprint(masterKey: Buffer): string {
  return createSealer(masterKey).keyId;
}

export function createMasterKeyRing(
  current: Buffer,
  previous: readonly Buffer[] = [],
): MasterKeyRing {
  const primary = createSealer(current);
  const sealers = new Map<string, Sealer>([[primary.keyId, primary]]);
  const previousIds: string[] = [];
  for (const key of previous) {
    const sealer = createSealer(key);
    // The current key listed again as a previous one adds nothing.
    if (sealers.has(sealer.keyId)) continue;
    sealers.set(sealer.keyId, sealer);
    previousIds.push(sealer.keyId);
  }
  return {
    keyId: primary.keyId,
    previous: Object.freeze(previousIds),
    holds: (fingerprint) => sealers.has(fingerprint),
    seal: (plaintext, associatedData) => primary.seal(plaintext, associatedData),
    open(envelope, associatedData) {
      const fingerprint = masterFingerprintOf(envelope);
      if (fingerprint === undefined) throw new SealError('seal_malformed', 'not a sealed value');
      const sealer = sealers.get(fingerprint);
      if (!sealer)
        throw new SealError('seal_wrong_key', 'sealed with a master key that is not configured');
      return sealer.open(envelope, associatedData);
    },
  };
}
