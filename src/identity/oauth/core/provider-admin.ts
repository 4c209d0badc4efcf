import { RampartError } from '../../../errors/rampart-error.js';
import type { EventPublisher } from '../../../events/event-bus.js';
import type { EventActor } from '../../../events/security-event.js';
import { oauthErrors } from '../errors.js';
import type { OAuthProviderType, OAuthStore, StoredOAuthProvider } from '../store.js';
import type { ProviderClient } from './provider-client.js';
import type { ProviderRegistry } from './provider-registry.js';
import { type OAuthProvider, ProviderSettingsError } from './providers.js';

export interface ProviderInput {
  type: OAuthProviderType;
  name?: string | null | undefined;
  clientId: string;
  clientSecret: string;
  scopes?: string[] | null | undefined;
  issuer?: string | null | undefined;
  baseUrl?: string | null | undefined;
  apiUrl?: string | null | undefined;
  callbackUrl?: string | null | undefined;
  enabled?: boolean | undefined;
}

/** Providers managed through the admin API; every change is an audited event. */
export class ProviderAdmin {
  constructor(
    private readonly o: {
      registry: ProviderRegistry;
      store: OAuthStore;
      client: ProviderClient;
      events: EventPublisher;
      /** Called after a removal took linked identities with it. */
      onIdentitiesRemoved?: () => Promise<void>;
      now?: () => number;
    },
  ) {}

  #now(): number {
    return this.o.now?.() ?? Date.now();
  }

  list(): Promise<OAuthProvider[]> {
    return this.o.registry.list();
  }

  async get(id: string): Promise<OAuthProvider> {
    const found = (await this.o.registry.list()).find((p) => p.id === id);
    if (!found) throw new RampartError(oauthErrors.oauth_provider_not_found);
    return found;
  }

  #row(
    id: string,
    input: ProviderInput,
    base: { createdBy: string | null; createdAt: number },
  ): StoredOAuthProvider {
    let sealed: string;
    try {
      ({ sealed } = this.o.registry.prepare({ ...input, id }));
    } catch (error) {
      if (error instanceof ProviderSettingsError)
        throw new RampartError(oauthErrors.oauth_provider_invalid, {
          detail: error.message,
          extensions: { field: error.field },
        });
      throw error;
    }
    return {
      id,
      type: input.type,
      name: input.name ?? null,
      clientId: input.clientId,
      clientSecretSealed: sealed,
      scopes: input.scopes ?? null,
      issuer: input.issuer ?? null,
      baseUrl: input.baseUrl ?? null,
      apiUrl: input.apiUrl ?? null,
      callbackUrl: input.callbackUrl ?? null,
      enabled: input.enabled ?? true,
      createdBy: base.createdBy,
      createdAt: base.createdAt,
      // Strictly increasing: cached discovery results are keyed by it.
      updatedAt: Math.max(this.#now(), base.createdAt),
    };
  }

  async create(
    id: string,
    input: ProviderInput,
    actor: EventActor & { id: string },
  ): Promise<OAuthProvider> {
    if (this.o.registry.isConfigured(id)) throw new RampartError(oauthErrors.oauth_provider_exists);
    const now = this.#now();
    const row = this.#row(id, input, { createdBy: actor.id, createdAt: now });
    if (!(await this.o.store.createProvider(row)))
      throw new RampartError(oauthErrors.oauth_provider_exists);
    await this.#changed('created', row, actor);
    return this.get(id);
  }

  /** Replaces the settings; a missing clientSecret keeps the stored one. */
  async update(
    id: string,
    input: Omit<ProviderInput, 'clientSecret'> & { clientSecret?: string | undefined },
    actor: EventActor,
  ): Promise<OAuthProvider> {
    if (this.o.registry.isConfigured(id))
      throw new RampartError(oauthErrors.oauth_provider_read_only);
    const current = await this.o.store.findProvider(id);
    if (!current) throw new RampartError(oauthErrors.oauth_provider_not_found);
    const clientSecret = input.clientSecret ?? this.o.registry.openSecret(current);
    const row = this.#row(id, { ...input, clientSecret }, current);
    if (row.updatedAt <= current.updatedAt) row.updatedAt = current.updatedAt + 1;
    if (!(await this.o.store.updateProvider(row)))
      throw new RampartError(oauthErrors.oauth_provider_not_found);
    this.o.client.forget(id);
    await this.#changed('updated', row, actor, input.clientSecret !== undefined);
    return this.get(id);
  }

  /**
   * Removes the provider and every identity linked through it. Refused while some account
   * can sign in only through it, unless `force` (then the event names how many).
   */
  async remove(id: string, actor: EventActor, options: { force?: boolean } = {}): Promise<void> {
    if (this.o.registry.isConfigured(id))
      throw new RampartError(oauthErrors.oauth_provider_read_only);
    const current = await this.o.store.findProvider(id);
    if (!current) throw new RampartError(oauthErrors.oauth_provider_not_found);
    const stranded = await this.o.store.countSoleSignInAccounts(id);
    if (stranded > 0 && !options.force)
      throw new RampartError(oauthErrors.oauth_provider_sole_sign_in, {
        extensions: { accounts: stranded },
      });
    if (!(await this.o.store.deleteProvider(id)))
      throw new RampartError(oauthErrors.oauth_provider_not_found);
    this.o.client.forget(id);
    await this.o.onIdentitiesRemoved?.();
    await this.#changed('deleted', current, actor, false, {
      ...(options.force ? { forced: true } : {}),
      strandedAccounts: stranded,
    });
  }

  async #changed(
    action: string,
    row: StoredOAuthProvider,
    actor: EventActor,
    secretChanged = action === 'created',
    extra: Record<string, unknown> = {},
  ) {
    await this.o.events.publish({
      type: 'oauth.provider.changed',
      outcome: 'success',
      actor,
      target: { type: 'oauth_provider', id: row.id },
      details: { action, type: row.type, enabled: row.enabled, secretChanged, ...extra },
    });
  }
}
