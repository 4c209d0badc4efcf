import { sealedContexts } from '../../dataprotect/core/associated-data.js';
import type { Sealer } from '../../dataprotect/core/sealer.js';
import type { ApiKeyRecord, ApiKeyStore, ServiceAccountRecord } from '../api-key-store.js';
import { type CidrList, cidrList } from './cidr.js';
import { storedTokenHash } from './secret-token.js';

/** Unknown key hashes remembered briefly, so a flood of made-up keys does not reach the database. */
const negativeTtlMs = 5_000;
/** A key as verification needs it, read once from the store. */
export interface CachedApiKey {
  record: ApiKeyRecord;
  /** The opened signing secret, when the key has one. */
  signingSecret: string | undefined;
  serviceAccount: ServiceAccountRecord | undefined;
  cidrs: CidrList;
  fetchedAt: number;
  /** The key's member in the hot store's revocation set. */
  revokedMember: string;
}

/** Sets `key`, dropping the oldest entry once the map holds `max`. */
function remember<K, V>(map: Map<K, V>, key: K, value: V, max = 10_000): void {
  if (map.size >= max) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
}

/** What `#inMemory` answers for a key looked up lately and not found. */
export const unknownKey = Symbol('unknownKey');

export interface ApiKeyCacheOptions {
  keys: ApiKeyStore;
  sealer: Sealer;
  /** How long a key read from the store is used without reading it again. */
  ttlMs: number;
}

/**
 * API keys held in memory for verification: by the SHA-256 digest of their text
 * (`secretTokenDigest`) for presented keys, by id for signed requests, and the digests of
 * keys lately looked up and not found. A change of a key (announced on every node) drops
 * it; a read that started before a change does not cache what it read.
 */
export class ApiKeyCache {
  readonly #o: ApiKeyCacheOptions;
  readonly #byDigest = new Map<string, CachedApiKey>();
  readonly #byId = new Map<string, CachedApiKey>();
  /** The `#byDigest` digest of each cached key id. */
  readonly #digestById = new Map<string, string>();
  /** Digests of keys lately looked up and not found, with the time they stay so. */
  readonly #unknown = new Map<string, number>();
  #generation = 0;
  #hits = 0;
  #misses = 0;

  constructor(options: ApiKeyCacheOptions) {
    this.#o = options;
  }

  /** Keys held, and lookups by key served from memory or the store, for metrics. */
  stats(): { size: number; hits: number; misses: number } {
    return { size: this.#byDigest.size, hits: this.#hits, misses: this.#misses };
  }

  /** Counts a decision made from memory by the caller. */
  hit(): void {
    this.#hits++;
  }

  /** The fresh entry for `digest`, without counting it (the caller counts a decision). */
  fresh(digest: string, now: number): CachedApiKey | undefined {
    const entry = this.#byDigest.get(digest);
    return entry !== undefined && now - entry.fetchedAt < this.#o.ttlMs ? entry : undefined;
  }

  /**
   * The key whose digest is `digest` as memory knows it: its fresh entry, `unknownKey`
   * when it was looked up lately and not found, undefined when the store must say.
   */
  inMemory(digest: string, now: number): CachedApiKey | typeof unknownKey | undefined {
    const cached = this.fresh(digest, now);
    if (cached !== undefined) {
      this.#hits++;
      return cached;
    }
    const unknownUntil = this.#unknown.get(digest);
    // A remembered unknown key is a hit too: the store is not asked.
    if (unknownUntil !== undefined && unknownUntil > now) {
      this.#hits++;
      return unknownKey;
    }
    return undefined;
  }

  /** Reads the key whose digest is `digest` from the store, and remembers the answer. */
  async fromStore(digest: string, now: number): Promise<CachedApiKey | undefined> {
    this.#misses++;
    const generation = this.#generation;
    const found = await this.#o.keys.findKeyByHash(storedTokenHash(digest));
    if (!found) {
      if (this.#unknown.size >= 10_000) this.#unknown.clear();
      this.#unknown.set(digest, now + negativeTtlMs);
      return undefined;
    }
    const entry = this.#newEntry(found.key, found.serviceAccount, now);
    // A change announced while the row was read may not be in what was read.
    if (generation === this.#generation) {
      remember(this.#byDigest, digest, entry);
      this.#digestById.set(found.key.id, digest);
    }
    return entry;
  }

  /** The key `id`, from memory or the store (signed requests name their key by id). */
  async byId(id: string, now: number): Promise<CachedApiKey | undefined> {
    const cached = this.#byId.get(id);
    if (cached && now - cached.fetchedAt < this.#o.ttlMs) return cached;
    const generation = this.#generation;
    const found = await this.#o.keys.findKeyWithOwnerById(id);
    if (!found) return undefined;
    const entry = this.#newEntry(found.key, found.serviceAccount, now);
    if (generation === this.#generation) {
      remember(this.#byId, id, entry);
    }
    return entry;
  }

  /** Drops the key `id`. */
  invalidate(id: string): void {
    this.#generation++;
    const digest = this.#digestById.get(id);
    if (digest !== undefined) this.#byDigest.delete(digest);
    this.#digestById.delete(id);
    this.#byId.delete(id);
  }

  #newEntry(
    record: ApiKeyRecord,
    serviceAccount: ServiceAccountRecord | undefined,
    now: number,
  ): CachedApiKey {
    return {
      record,
      serviceAccount,
      signingSecret:
        record.signingSecretSealed === null
          ? undefined
          : this.#o.sealer
              .open(record.signingSecretSealed, sealedContexts.apiKeySigning(record.id))
              .toString('utf8'),
      cidrs: cidrList(record.allowedCidrs),
      fetchedAt: now,
      revokedMember: `revoked:apikey:${record.id}`,
    };
  }
}
