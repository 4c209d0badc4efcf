import type { ExpiringSetStore, PubSub, Unsubscribe } from '../../storage/hot-state.js';
import type { ApiKeyCache } from './api-key-cache.js';

/** Channel on which a node announces that a key changed; the message is the key id. */
export const apiKeyChangesChannel = 'identity.apikeys';

export interface ApiKeyChangesOptions {
  /** This node's keys in memory, from which a changed key is dropped. */
  cache: ApiKeyCache;
  sets: ExpiringSetStore;
  pubsub: PubSub;
  /** How long a node may serve a key from memory (apiKeys.cacheTtl). */
  cacheTtlMs: number;
}

/**
 * Telling every node that an API key changed: this node drops its copy and announces the
 * key id on {@link apiKeyChangesChannel}. A revoked key id also goes into the hot store's
 * revocation set (Redis in a cluster), checked on every request, so a revocation holds at
 * once even on a node that missed the announcement.
 *
 * @example
 * const changes = new ApiKeyChanges({ cache, sets, pubsub, cacheTtlMs: 60_000 });
 * const stop = await changes.follow();
 * await changes.markRevoked(key.id);
 */
export class ApiKeyChanges {
  readonly #o: ApiKeyChangesOptions;

  constructor(options: ApiKeyChangesOptions) {
    this.#o = options;
  }

  /** Follows key changes announced by other nodes. */
  follow(): Promise<Unsubscribe> {
    return this.#o.pubsub.subscribe(apiKeyChangesChannel, (id) => this.#o.cache.invalidate(id));
  }

  /** Drops the key `id` from memory here and announces the change to every node. */
  async changed(id: string): Promise<void> {
    this.#o.cache.invalidate(id);
    await this.#o.pubsub.publish(apiKeyChangesChannel, id);
  }

  /** Puts the key `id` into the revocation set, then announces the change. */
  async markRevoked(id: string): Promise<void> {
    await this.#o.sets.add(`revoked:apikey:${id}`, this.#revocationTtlMs());
    await this.changed(id);
  }

  #revocationTtlMs(): number {
    // Longer than any node may serve the key from memory; after that the row decides.
    return this.#o.cacheTtlMs * 2 + 60_000;
  }
}
