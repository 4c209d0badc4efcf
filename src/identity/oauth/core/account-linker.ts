import type { RoleName } from '../../../config/schema.js';
import { RampartError } from '../../../errors/rampart-error.js';
import type { EventPublisher } from '../../../events/event-bus.js';
import { uuidv7 } from '../../../shared/uuid-v7.js';
import type { AccountCache } from '../../core/account-cache.js';
import { normalizeEmail } from '../../core/email.js';
import { anonymousActor, type RequestContext, userActor } from '../../core/request-context.js';
import type { Account, AccountStore } from '../../store.js';
import { oauthErrors } from '../errors.js';
import type { LinkedIdentity, OAuthStore } from '../store.js';
import { resolveAccount } from './account-resolution.js';
import type { ProviderProfile } from './provider-client.js';
import type { OAuthProvider } from './providers.js';

const accountRefusals = {
  email_unverified: oauthErrors.oauth_email_unverified,
  signup_disabled: oauthErrors.oauth_signup_disabled,
  identity_in_use: oauthErrors.oauth_identity_in_use,
  account_disabled: oauthErrors.oauth_account_disabled,
} as const;
type AccountRefusal = keyof typeof accountRefusals;

export interface AccountLinkerOptions {
  store: OAuthStore;
  accounts: AccountStore;
  accountCache: AccountCache;
  events: EventPublisher;
  policy: { signupAllowed: boolean; defaultRoles: readonly RoleName[] };
  now?: () => number;
}

/**
 * The account a provider identity signs in to: the one it is linked to, the one of its
 * verified email (then linked), a new one (sign-up), or — from a signed-in session — the
 * session's account. Every refusal is an `auth.oauth.login` failure event.
 */
export class AccountLinker {
  readonly #o: AccountLinkerOptions;
  readonly #now: () => number;

  constructor(options: AccountLinkerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** The active account for `profile`; throws a problem when there is none to sign in to. */
  async findOrCreate(
    provider: OAuthProvider,
    profile: ProviderProfile,
    linkAccountId: string | undefined,
    ctx: RequestContext,
  ): Promise<Account> {
    const { accounts, store } = this.#o;
    const identity = await store.findIdentity(provider.id, profile.subject);
    const email = profile.email ? normalizeEmail(profile.email) : null;
    const byEmail =
      !identity && !linkAccountId && email && profile.emailVerified
        ? await accounts.findAccountByEmail(email)
        : undefined;
    const resolution = resolveAccount({
      profile,
      identity,
      linkAccountId,
      accountIdByEmail: byEmail?.id,
      signupAllowed: this.#o.policy.signupAllowed,
    });
    let account: Account | undefined;
    switch (resolution.kind) {
      case 'refuse':
        return this.#refuse(resolution.reason, provider.id, ctx, linkAccountId);
      case 'existing':
        await store.touchIdentity(resolution.identity.id, {
          email,
          emailVerified: profile.emailVerified,
          now: this.#now(),
        });
        account = await accounts.findAccountById(resolution.accountId);
        break;
      case 'link':
        account = await accounts.findAccountById(resolution.accountId);
        // A disabled account gets no new way in: refused below, before any link.
        if (account?.status === 'active')
          await this.#link(account, provider, profile, email, resolution.via, ctx);
        break;
      case 'create':
        account = await this.#createAccount(provider, profile, email as string, ctx);
        break;
    }
    // An administrator's lock is refused by the caller like every lock (invalid_credentials).
    if (account?.status !== 'active' && !account?.adminLock)
      return this.#refuse('account_disabled', provider.id, ctx, account?.id);
    return account;
  }

  async #refuse(
    reason: AccountRefusal,
    providerId: string,
    ctx: RequestContext,
    accountId?: string,
  ): Promise<never> {
    await this.#o.events.publish({
      type: 'auth.oauth.login',
      outcome: 'failure',
      actor: accountId ? userActor(accountId, ctx) : anonymousActor(ctx),
      target: { type: 'account', ...(accountId ? { id: accountId } : {}) },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { reason, provider: providerId },
    });
    throw new RampartError(accountRefusals[reason], { context: { reason } });
  }

  async #link(
    account: Account,
    provider: OAuthProvider,
    profile: ProviderProfile,
    email: string | null,
    via: 'verified_email' | 'session' | 'signup',
    ctx: RequestContext,
  ): Promise<void> {
    const now = this.#now();
    const identity: LinkedIdentity = {
      id: uuidv7(now),
      accountId: account.id,
      providerId: provider.id,
      subject: profile.subject,
      email,
      emailVerified: profile.emailVerified,
      createdAt: now,
      lastLoginAt: now,
    };
    const linked = await this.#o.store.linkIdentity(identity);
    // A concurrent callback linked this subject first: fine if to the same account.
    if (linked.status === 'taken' && linked.identity.accountId !== account.id)
      await this.#refuse('identity_in_use', provider.id, ctx, account.id);
    if (linked.status === 'taken') return;
    await this.#o.accountCache.changed(account.id);
    await this.#o.events.publish({
      type: 'auth.oauth.linked',
      outcome: 'success',
      actor: userActor(account.id, ctx),
      target: { type: 'oauth_identity', id: identity.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { provider: provider.id, via, accountId: account.id },
    });
  }

  async #createAccount(
    provider: OAuthProvider,
    profile: ProviderProfile,
    email: string,
    ctx: RequestContext,
  ): Promise<Account | undefined> {
    const now = this.#now();
    const created = await this.#o.accounts.createAccount({
      id: uuidv7(now),
      email,
      name: profile.name?.trim().slice(0, 200) || null,
      passwordHash: null,
      roles: [...this.#o.policy.defaultRoles],
      now,
    });
    // Created meanwhile by a concurrent sign-in or registration: link to it instead.
    const account =
      created.status === 'created'
        ? created.account
        : await this.#o.accounts.findAccountByEmail(email);
    if (!account) return undefined;
    if (created.status === 'created') {
      await this.#o.events.publish({
        type: 'account.registered',
        outcome: 'success',
        actor: userActor(account.id, ctx),
        target: { type: 'account', id: account.id },
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
        details: { roles: account.roles, via: 'oauth', provider: provider.id },
      });
    }
    await this.#link(
      account,
      provider,
      profile,
      email,
      created.status === 'created' ? 'signup' : 'verified_email',
      ctx,
    );
    return account;
  }
}
