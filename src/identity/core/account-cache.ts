import type { PubSub, Unsubscribe } from '../../storage/hot-state.js';
import type { Account, AccountStore } from '../store.js';

/** Channel on which a node announces that an account changed; the message is its id. */
export const accountChangesChannel = 'identity.accounts';

export interface AccountCacheOptions {
  store: AccountStore;
  pubsub: PubSub;
  /** Upper bound on staleness should an invalidation message be lost; default 30 s. */
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * Accounts by id, kept in memory so an authenticated request does not read the database.
 * Every change goes through {@link AccountCache.changed}, which drops the entry here and,
 * through pub/sub (Redis in a cluster), on every other node at once; the TTL bounds the
 * staleness if a message is ever lost.
 */
export class AccountCache {
  readonly #store: AccountStore;
  readonly #pubsub: PubSub;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { account: Account; expiresAt: number }>();
  // Bumped on every invalidation: a read that started before a change must not cache the
  // stale row it fetched.
  #generation = 0;
  #hits = 0;
  #misses = 0;

  constructor(options: AccountCacheOptions) {
    this.#store = options.store;
    this.#pubsub = options.pubsub;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  async get(id: string): Promise<Account | undefined> {
    const entry = this.#entries.get(id);
    if (entry && entry.expiresAt > this.#now()) {
      this.#hits++;
      return entry.account;
    }
    this.#misses++;
    const generation = this.#generation;
    const account = await this.#store.findAccountById(id);
    if (account && generation === this.#generation) {
      if (this.#entries.size >= this.#maxEntries) {
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
      this.#entries.set(id, {
        account: Object.freeze(account),
        expiresAt: this.#now() + this.#ttlMs,
      });
    }
    return account;
  }

  /**
   * The account when it is in memory and fresh, without a promise; undefined otherwise
   * (then {@link get} reads the store).
   */
  getNow(id: string): Account | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined || entry.expiresAt <= this.#now()) return undefined;
    this.#hits++;
    return entry.account;
  }

  /** Entries held, and lookups served from memory (hits) or the store (misses), for metrics. */
  stats(): { size: number; hits: number; misses: number } {
    return { size: this.#entries.size, hits: this.#hits, misses: this.#misses };
  }

  /** Drops `id` locally. */
  invalidate(id: string): void {
    this.#generation++;
    this.#entries.delete(id);
  }

  /** Announces a change of `id` to every node, this one included. */
  async changed(id: string): Promise<void> {
    this.invalidate(id);
    await this.#pubsub.publish(accountChangesChannel, id);
  }

  /** Follows changes announced by other nodes. */
  follow(): Promise<Unsubscribe> {
    return this.#pubsub.subscribe(accountChangesChannel, (id) => this.invalidate(id));
  }
}
