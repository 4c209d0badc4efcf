import { RampartError } from '../../../errors/rampart-error.js';
import type { EventPublisher } from '../../../events/event-bus.js';
import type { PubSub, Unsubscribe } from '../../../storage/hot-state.js';
import { type AccountCache, accountChangesChannel } from '../../core/account-cache.js';
import { type RequestContext, userActor } from '../../core/request-context.js';
import { oauthErrors } from '../errors.js';
import type { LinkedIdentity, OAuthStore } from '../store.js';

const cacheTtlMs = 30_000;
/** Channel on which a node asks every node to drop every cached list (a provider was removed). */
export const identityListsChannel = 'identity.oauth.identities';
const maxEntries = 10_000;

/**
 * The identities linked to accounts, as `GET /v1/me` and `/v1/me/identities` show them,
 * and unlinking. Lists are cached like accounts (GET /v1/me is a hot path): a link or
 * unlink announces the account as changed, which drops the entry on every node.
 */
export class IdentityLinks {
  readonly #store: OAuthStore;
  readonly #accountCache: AccountCache;
  readonly #events: EventPublisher;
  readonly #pubsub: PubSub;
  readonly #entries = new Map<string, { list: readonly LinkedIdentity[]; expiresAt: number }>();
  #generation = 0;

  constructor(options: {
    store: OAuthStore;
    accountCache: AccountCache;
    events: EventPublisher;
    pubsub: PubSub;
  }) {
    this.#store = options.store;
    this.#accountCache = options.accountCache;
    this.#events = options.events;
    this.#pubsub = options.pubsub;
  }

  /** Follows account changes, and provider removals, announced by any node. */
  async follow(): Promise<Unsubscribe> {
    const accounts = await this.#pubsub.subscribe(accountChangesChannel, (id) =>
      this.#invalidate(id),
    );
    const all = await this.#pubsub.subscribe(identityListsChannel, () => this.#clear());
    return async () => {
      await accounts();
      await all();
    };
  }

  #clear(): void {
    this.#generation++;
    this.#entries.clear();
  }

  /** Drops every cached list on every node: identities of many accounts went at once. */
  async forgetAll(): Promise<void> {
    this.#clear();
    await this.#pubsub.publish(identityListsChannel, '*');
  }

  #invalidate(accountId: string): void {
    this.#generation++;
    this.#entries.delete(accountId);
  }

  /** The account's identities when the cache holds them fresh, without a promise. */
  listNow(accountId: string): readonly LinkedIdentity[] | undefined {
    const entry = this.#entries.get(accountId);
    return entry && entry.expiresAt > Date.now() ? entry.list : undefined;
  }

  async list(accountId: string): Promise<readonly LinkedIdentity[]> {
    const cached = this.listNow(accountId);
    if (cached !== undefined) return cached;
    const generation = this.#generation;
    const list = Object.freeze(await this.#store.listIdentities(accountId));
    if (generation === this.#generation) {
      if (this.#entries.size >= maxEntries) {
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
      this.#entries.set(accountId, { list, expiresAt: Date.now() + cacheTtlMs });
    }
    return list;
  }

  /** Unlinks, keeping at least one way to sign in: a password or another identity. */
  async unlink(accountId: string, identityId: string, ctx: RequestContext): Promise<void> {
    const target = (await this.#store.listIdentities(accountId)).find((i) => i.id === identityId);
    const outcome = target ? await this.#store.unlinkIdentity(accountId, identityId) : 'not_found';
    if (outcome === 'last_sign_in_method')
      throw new RampartError(oauthErrors.oauth_last_sign_in_method);
    if (outcome === 'not_found' || !target)
      throw new RampartError(oauthErrors.oauth_identity_not_found);
    await this.#accountCache.changed(accountId);
    await this.#events.publish({
      type: 'auth.oauth.unlinked',
      outcome: 'success',
      actor: userActor(accountId, ctx),
      target: { type: 'oauth_identity', id: identityId },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { provider: target.providerId },
    });
  }
}
