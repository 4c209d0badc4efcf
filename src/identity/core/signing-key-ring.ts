import type { JWK } from 'jose';
import type { Sealer } from '../../dataprotect/core/sealer.js';
import type { SigningKeyStore } from '../store.js';
import {
  generateSigningKey,
  type LoadedSigningKey,
  loadSigningKey,
  type SigningAlgorithm,
} from './signing-keys.js';

export interface SigningKeyRingOptions {
  store: SigningKeyStore;
  sealer: Sealer;
  algorithm: SigningAlgorithm;
  /** Seconds a token lives: a retired key verifies this long (plus tolerance) after rotation. */
  accessTokenTtl: number;
  clockTolerance: number;
  now?: () => number;
  /** Called after the key set changed (loaded, rotated, expired). */
  onChange?: (ring: SigningKeyRing) => void;
}

/** A public JWK as published: always with `kty`, `kid` and `alg`. */
export type PublishedJwk = JWK & { kty: string; kid: string; alg: string };

export interface RotationResult {
  kid: string;
  algorithm: SigningAlgorithm;
  retiredKids: string[];
  retiredVerifyUntil: number;
}

/**
 * The signing keys this node holds in memory: the current key (signs) and every key
 * that may still verify a live token. Keys are parsed once and cached by `kid`; the
 * store is re-read on demand (an unknown `kid`, a rotation notice from another node)
 * and periodically, so a rotation by the CLI reaches running servers.
 */
export class SigningKeyRing {
  readonly #options: SigningKeyRingOptions;
  readonly #now: () => number;
  #keys = new Map<string, LoadedSigningKey>();
  #current: LoadedSigningKey | undefined;
  #jwks: { keys: PublishedJwk[] } = { keys: [] };
  #algorithms: ReadonlySet<string> = new Set();
  #lastReload = 0;
  #reloading: Promise<void> | undefined;

  constructor(options: SigningKeyRingOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Loads the keys and makes sure a current key of the configured algorithm exists
   * (first start, or the algorithm was changed in config). Returns a rotation if one
   * was made.
   */
  async initialize(): Promise<RotationResult | undefined> {
    await this.reload();
    if (this.#current?.algorithm === this.#options.algorithm) return undefined;
    return this.rotate();
  }

  /** Re-reads usable keys from the store; keys already parsed are reused. */
  reload(): Promise<void> {
    this.#reloading ??= this.#reload().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #reload(): Promise<void> {
    const now = this.#now();
    this.#lastReload = now;
    const stored = await this.#options.store.listUsableSigningKeys(now);
    const next = new Map<string, LoadedSigningKey>();
    for (const s of stored) {
      const existing = this.#keys.get(s.kid);
      const loaded = existing ?? (await loadSigningKey(s, this.#options.sealer));
      next.set(s.kid, { ...loaded, retiredAt: s.retiredAt, verifyUntil: s.verifyUntil });
    }
    const current = stored.find((s) => s.retiredAt === null);
    const changed =
      next.size !== this.#keys.size ||
      [...next.keys()].some((k) => !this.#keys.has(k)) ||
      current?.kid !== this.#current?.kid;
    this.#keys = next;
    this.#current = current ? next.get(current.kid) : undefined;
    this.#algorithms = new Set([...next.values()].map((k) => k.algorithm));
    this.#jwks = {
      keys: [...next.values()].flatMap((k) =>
        k.publicJwk
          ? [{ ...k.publicJwk, kty: k.publicJwk.kty ?? '', kid: k.kid, alg: k.algorithm }]
          : [],
      ),
    };
    if (changed) this.#options.onChange?.(this);
  }

  /**
   * Reloads when a token names a `kid` we do not hold, at most once per `minIntervalMs`,
   * so a stream of forged kids cannot turn into a stream of database reads.
   */
  async reloadForUnknownKid(minIntervalMs = 5000): Promise<boolean> {
    if (this.#now() - this.#lastReload < minIntervalMs) return false;
    await this.reload();
    return true;
  }

  /** Makes a new current key; the previous ones keep verifying until their tokens expire. */
  async rotate(): Promise<RotationResult> {
    const now = this.#now();
    const key = await generateSigningKey(this.#options.algorithm, this.#options.sealer, now);
    const retiredVerifyUntil =
      now + (this.#options.accessTokenTtl + this.#options.clockTolerance) * 1000;
    const retiredKids = await this.#options.store.addCurrentSigningKey(key, retiredVerifyUntil);
    await this.reload();
    return { kid: key.kid, algorithm: this.#options.algorithm, retiredKids, retiredVerifyUntil };
  }

  current(): LoadedSigningKey | undefined {
    return this.#current;
  }

  /** The key for `kid` if it may still verify now. Lookup is by exact id among our own keys only. */
  verificationKey(kid: string): LoadedSigningKey | undefined {
    const key = this.#keys.get(kid);
    if (!key) return undefined;
    if (key.verifyUntil !== null && key.verifyUntil <= this.#now()) return undefined;
    return key;
  }

  /** The public keys as an RFC 7517 JWK Set (symmetric keys are never published). */
  jwks(): { keys: PublishedJwk[] } {
    return this.#jwks;
  }

  /** Algorithms of the keys held: the verifier's allowlist. */
  algorithms(): ReadonlySet<string> {
    return this.#algorithms;
  }
}
