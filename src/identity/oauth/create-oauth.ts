import type { RampartConfig } from '../../config/schema.js';
import type { Sealer } from '../../dataprotect/core/sealer.js';
import type { EventBus } from '../../events/event-bus.js';
import type { HotStore } from '../../storage/hot-state.js';
import type { Identity } from '../create-identity.js';
import type { AccountStore } from '../store.js';
import { AccountLinker } from './core/account-linker.js';
import { IdentityLinks } from './core/identity-links.js';
import { OAuthLoginService } from './core/oauth-login-service.js';
import { ProviderAdmin } from './core/provider-admin.js';
import { ProviderClient } from './core/provider-client.js';
import { ProviderRegistry } from './core/provider-registry.js';
import type { OAuthPluginOptions } from './plugin.js';
import { identityJson } from './routes/identities.routes.js';
import type { LinkedIdentity, OAuthStore } from './store.js';

export interface OAuth {
  login: OAuthLoginService;
  links: IdentityLinks;
  admin: ProviderAdmin;
  providers: ProviderRegistry;
  pluginOptions: OAuthPluginOptions;
  /** The `identities` of GET /v1/me. */
  identitiesOf(accountId: string): Promise<ReturnType<typeof identityJson>[]>;
  /** {@link identitiesOf} when the list is cached, without a promise; else undefined. */
  identitiesOfNow(accountId: string): ReturnType<typeof identityJson>[] | undefined;
  close(): Promise<void>;
}

export interface CreateOAuthOptions {
  config: RampartConfig;
  store: OAuthStore;
  accounts: AccountStore;
  identity: Identity;
  hot: HotStore;
  events: EventBus;
  sealer: Sealer;
}

/** Assembles social login over the identity capability. */
export async function createOAuth(o: CreateOAuthOptions): Promise<OAuth> {
  const { config } = o;
  const providers = new ProviderRegistry({
    configured: config.oauth.providers,
    store: o.store,
    sealer: o.sealer,
    publicUrl: config.publicUrl,
  });
  const client = new ProviderClient();
  const links = new IdentityLinks({
    store: o.store,
    accountCache: o.identity.accountCache,
    events: o.events,
    pubsub: o.hot.pubsub,
  });
  const unfollow = await links.follow();
  const rendered = new WeakMap<readonly LinkedIdentity[], ReturnType<typeof identityJson>[]>();
  const render = (list: readonly LinkedIdentity[]) => {
    let json = rendered.get(list);
    if (!json) {
      json = list.map(identityJson);
      rendered.set(list, json);
    }
    return json;
  };
  const linker = new AccountLinker({
    store: o.store,
    accounts: o.accounts,
    accountCache: o.identity.accountCache,
    events: o.events,
    policy: {
      // A social sign-up is a registration: it needs open registration too.
      signupAllowed: config.oauth.allowSignup && config.registration.mode === 'open',
      defaultRoles: config.registration.defaultRoles,
    },
  });
  const login = new OAuthLoginService({
    providers,
    client,
    linker,
    accounts: o.accounts,
    login: o.identity.login,
    values: o.hot.values,
    sets: o.hot.sets,
    events: o.events,
    policy: {
      stateTtlMs: config.oauth.stateTtl * 1000,
      codeTtlMs: config.oauth.codeTtl * 1000,
    },
  });
  const admin = new ProviderAdmin({
    registry: providers,
    store: o.store,
    client,
    events: o.events,
    onIdentitiesRemoved: () => links.forgetAll(),
  });
  return {
    login,
    links,
    admin,
    providers,
    pluginOptions: {
      login,
      links,
      admin,
      providers,
      auth: o.identity.auth,
      publicUrl: config.publicUrl,
      stateTtl: config.oauth.stateTtl,
      sessionLifetime: config.session.absoluteLifetime,
      defaultReturnPath: config.oauth.returnPath,
    },
    // Lists come from a cache and are frozen: render each once (GET /v1/me is a hot path).
    identitiesOf: async (accountId) => render(await links.list(accountId)),
    identitiesOfNow: (accountId) => {
      const list = links.listNow(accountId);
      return list === undefined ? undefined : render(list);
    },
    close: unfollow,
  };
}
