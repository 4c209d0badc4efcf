import { sealedContexts } from '../../../dataprotect/core/associated-data.js';
import type { Sealer } from '../../../dataprotect/core/sealer.js';
import type { OAuthStore, StoredOAuthProvider } from '../store.js';
import { type OAuthProvider, type ProviderSettings, resolveProvider } from './providers.js';

const sealContext = sealedContexts.oauthProvider;

/**
 * The providers of this server: those of the config file (fixed at boot) and those added
 * through the admin API (read from the store on each use, so every node sees a change at
 * once; their client secrets are sealed with the master key and bound to their row).
 */
export class ProviderRegistry {
  readonly #fromConfig: ReadonlyMap<string, OAuthProvider>;
  readonly #store: OAuthStore;
  readonly #sealer: Sealer;
  readonly #publicUrl: string;

  constructor(options: {
    configured: readonly ProviderSettings[];
    store: OAuthStore;
    sealer: Sealer;
    publicUrl: string;
  }) {
    this.#store = options.store;
    this.#sealer = options.sealer;
    this.#publicUrl = options.publicUrl;
    const map = new Map<string, OAuthProvider>();
    for (const settings of options.configured) {
      const provider = resolveProvider(settings, { publicUrl: this.#publicUrl, source: 'config' });
      if (map.has(provider.id))
        throw new Error(`oauth.providers: the id ${provider.id} is used twice`);
      map.set(provider.id, provider);
    }
    this.#fromConfig = map;
  }

  isConfigured(id: string): boolean {
    return this.#fromConfig.has(id);
  }

  #fromRow(row: StoredOAuthProvider): OAuthProvider {
    return resolveProvider(
      {
        id: row.id,
        type: row.type,
        name: row.name,
        clientId: row.clientId,
        clientSecret: this.#sealer
          .open(row.clientSecretSealed, sealContext(row.id))
          .toString('utf8'),
        scopes: row.scopes,
        issuer: row.issuer,
        baseUrl: row.baseUrl,
        apiUrl: row.apiUrl,
        callbackUrl: row.callbackUrl,
      },
      {
        publicUrl: this.#publicUrl,
        source: 'api',
        enabled: row.enabled,
        version: String(row.updatedAt),
      },
    );
  }

  /** An enabled provider by id. */
  async get(id: string): Promise<OAuthProvider | undefined> {
    const configured = this.#fromConfig.get(id);
    if (configured) return configured;
    const row = await this.#store.findProvider(id);
    if (!row?.enabled) return undefined;
    return this.#fromRow(row);
  }

  /** Every provider, the config file's first; secrets stay inside. */
  async list(): Promise<OAuthProvider[]> {
    const rows = await this.#store.listProviders();
    return [
      ...this.#fromConfig.values(),
      ...rows.filter((r) => !this.#fromConfig.has(r.id)).map((r) => this.#fromRow(r)),
    ];
  }

  async stored(id: string): Promise<StoredOAuthProvider | undefined> {
    return this.#store.findProvider(id);
  }

  /** Checks settings (throws ProviderSettingsError) and seals the secret for row `id`. */
  prepare(settings: ProviderSettings & { id: string }): {
    provider: OAuthProvider;
    sealed: string;
  } {
    const provider = resolveProvider(settings, { publicUrl: this.#publicUrl, source: 'api' });
    return { provider, sealed: this.#sealer.seal(settings.clientSecret, sealContext(settings.id)) };
  }

  /** Opens the sealed secret of a stored provider (to keep it across an update). */
  openSecret(row: StoredOAuthProvider): string {
    return this.#sealer.open(row.clientSecretSealed, sealContext(row.id)).toString('utf8');
  }
}
