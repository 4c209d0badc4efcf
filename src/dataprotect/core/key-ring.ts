import { randomBytes } from 'node:crypto';
import { GcmError, gcmDecrypt, gcmEncrypt } from './aes-gcm.js';
import { SealError, type Sealer } from './sealer.js';

/** One data-encryption key, in clear, held in memory only. */
export interface DataKey {
  id: string;
  key: Buffer;
}

export interface KeyRingOptions {
  /** The key new values are encrypted with. */
  primary: DataKey;
  /** Every other key that may still decrypt (not retired). */
  others?: readonly DataKey[];
  /**
   * The master-key sealer: `v1.` envelopes written before the ring existed still open
   * through it until `rampart keys rotate-data` re-encrypts them.
   */
  legacy?: Sealer;
  /** Called when an envelope names a key this ring does not hold (another node rotated). */
  onUnknownKey?: (keyId: string) => void;
}

export const ringEnvelopeVersion = 'v2';

/** A fresh random data key id: 12 base64url characters (72 bits). */
export function newDataKeyId(): string {
  return randomBytes(9).toString('base64url');
}

export function newDataKey(): DataKey {
  return { id: newDataKeyId(), key: randomBytes(32) };
}

/**
 * The key id an envelope was sealed with: the data key id for `v2.`, `master:<id>` for a
 * legacy `v1.` envelope, undefined for anything else.
 */
export function envelopeKeyId(envelope: string): string | undefined {
  const first = envelope.indexOf('.');
  const second = envelope.indexOf('.', first + 1);
  if (first < 0 || second < 0) return undefined;
  const version = envelope.slice(0, first);
  const id = envelope.slice(first + 1, second);
  if (version === ringEnvelopeVersion) return id;
  if (version === 'v1') return `master:${id}`;
  return undefined;
}

/**
 * The header (version and key id) is authenticated with the caller's associated data:
 * an envelope whose key id was swapped for another key's fails even if that key were
 * somehow the right one, and a value sealed for one row does not open for another.
 */
function ringAad(keyId: string, associatedData: string): Buffer {
  return Buffer.from(`rampart-data/${ringEnvelopeVersion}\n${keyId}\n${associatedData}`, 'utf8');
}

/**
 * The data key ring: AES-256-GCM with random 96-bit IVs and 128-bit tags. Seals with the
 * primary key as `v2.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts) and opens with
 * any key it holds. It implements `Sealer`, so every holder of secrets uses it unchanged.
 * The ring is immutable: a reload builds a new one and swaps it in (see DataKeyService).
 *
 * @example
 * const ring = new KeyRing({ primary: newDataKey(), legacy: createSealer(masterKey) });
 * const sealed = ring.seal('JBSWY3DPEHPK3PXP', 'mfa_totp:acc_1');
 * ring.open(sealed, 'mfa_totp:acc_1').toString(); // 'JBSWY3DPEHPK3PXP'
 */
export class KeyRing implements Sealer {
  readonly #primary: DataKey;
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly #legacy: Sealer | undefined;
  readonly #onUnknownKey: ((keyId: string) => void) | undefined;

  constructor(options: KeyRingOptions) {
    this.#primary = options.primary;
    const keys = new Map<string, Buffer>([[options.primary.id, options.primary.key]]);
    for (const k of options.others ?? []) keys.set(k.id, k.key);
    this.#keys = keys;
    this.#legacy = options.legacy;
    this.#onUnknownKey = options.onUnknownKey;
  }

  get keyId(): string {
    return this.#primary.id;
  }

  get keyIds(): readonly string[] {
    return [...this.#keys.keys()];
  }

  seal(plaintext: Uint8Array | string, associatedData: string): string {
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const id = this.#primary.id;
    const { iv, ciphertext, tag } = gcmEncrypt(
      this.#primary.key,
      data,
      ringAad(id, associatedData),
    );
    return [
      ringEnvelopeVersion,
      id,
      iv.toString('base64url'),
      ciphertext.toString('base64url'),
      tag.toString('base64url'),
    ].join('.');
  }

  open(envelope: string, associatedData: string): Buffer {
    if (envelope.startsWith('v1.')) {
      if (!this.#legacy)
        throw new SealError('seal_wrong_key', 'legacy envelope and no master sealer');
      return this.#legacy.open(envelope, associatedData);
    }
    const parts = envelope.split('.');
    if (parts.length !== 5 || parts[0] !== ringEnvelopeVersion)
      throw new SealError('seal_malformed', 'not a sealed value');
    const [, id, ivText, ctText, tagText] = parts as [string, string, string, string, string];
    const key = this.#keys.get(id);
    if (!key) {
      this.#onUnknownKey?.(id);
      throw new SealError('seal_wrong_key', 'sealed with a data key this ring does not hold');
    }
    try {
      return gcmDecrypt(
        key,
        Buffer.from(ivText, 'base64url'),
        Buffer.from(ctText, 'base64url'),
        Buffer.from(tagText, 'base64url'),
        ringAad(id, associatedData),
      );
    } catch (error) {
      if (error instanceof GcmError && error.code === 'gcm_bad_parameters')
        throw new SealError('seal_malformed', 'bad IV or tag length');
      throw new SealError('seal_tampered', 'sealed value failed authentication');
    }
  }
}
