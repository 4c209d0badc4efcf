import { timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import { RampartError } from '../../../errors/rampart-error.js';
import type { EventPublisher } from '../../../events/event-bus.js';
import type { ExpiringSetStore, ExpiringValueStore } from '../../../storage/hot-state.js';
import type { LoginResult, LoginService } from '../../core/login-service.js';
import { anonymousActor, type RequestContext, userActor } from '../../core/request-context.js';
import { generateSecretToken, hashSecretToken } from '../../core/secret-token.js';
import type { Account, AccountStore } from '../../store.js';
import { oauthErrors } from '../errors.js';
import type { AccountLinker } from './account-linker.js';
import { OAuthFailure, type ProviderClient, type ProviderProfile } from './provider-client.js';
import type { ProviderRegistry } from './provider-registry.js';
import type { OAuthProvider } from './providers.js';

export type SignInMode = 'cookie' | 'code';

/** What a started sign-in remembers until its callback (hot store, keyed by the state's hash). */
interface PendingSignIn {
  providerId: string;
  codeVerifier: string;
  nonce?: string;
  mode: SignInMode;
  returnPath: string;
  /** Set when a signed-in account links a provider. */
  linkAccountId?: string;
}

export type CallbackOutcome =
  | { kind: 'signed_in'; result: LoginResult; returnPath: string }
  | { kind: 'code'; code: string; returnPath: string }
  | { kind: 'linked'; providerId: string; returnPath: string };

export interface OAuthLoginServiceOptions {
  providers: ProviderRegistry;
  client: ProviderClient;
  linker: AccountLinker;
  accounts: AccountStore;
  login: LoginService;
  values: ExpiringValueStore;
  sets: ExpiringSetStore;
  events: EventPublisher;
  policy: { stateTtlMs: number; codeTtlMs: number };
}

const protocolFailures = {
  state_invalid: oauthErrors.oauth_state_invalid,
  access_denied: oauthErrors.oauth_access_denied,
  provider_error: oauthErrors.oauth_provider_error,
  code_reused: oauthErrors.oauth_code_reused,
  issuer_mismatch: oauthErrors.oauth_issuer_mismatch,
  nonce_mismatch: oauthErrors.oauth_nonce_mismatch,
  token_invalid: oauthErrors.oauth_token_invalid,
  exchange_failed: oauthErrors.oauth_exchange_failed,
  provider_unavailable: oauthErrors.oauth_provider_unavailable,
} as const;
type ProtocolFailure = keyof typeof protocolFailures;

/** Hash of a state value, as kept in the browser cookie and as the hot-store key. */
export function stateDigest(state: string): string {
  return hashSecretToken(state);
}

/**
 * Social login: starts the authorization code flow (PKCE S256, state bound to the
 * browser, nonce for OpenID Connect), validates the callback, finds or creates the
 * account, and ends in the same session — or MFA step — as a password login.
 */
export class OAuthLoginService {
  readonly #o: OAuthLoginServiceOptions;
  constructor(options: OAuthLoginServiceOptions) {
    this.#o = options;
  }

  async #provider(id: string): Promise<OAuthProvider> {
    const provider = await this.#o.providers.get(id);
    if (!provider) throw new RampartError(oauthErrors.oauth_provider_not_found);
    return provider;
  }

  /** A new sign-in: the provider URL to send the browser to, and the state digest for its cookie. */
  async start(
    providerId: string,
    input: { mode: SignInMode; returnPath: string; linkAccountId?: string },
  ): Promise<{ url: URL; stateDigest: string }> {
    const provider = await this.#provider(providerId);
    const state = client.randomState();
    const pending: PendingSignIn = {
      providerId: provider.id,
      codeVerifier: client.randomPKCECodeVerifier(),
      mode: input.mode,
      returnPath: input.returnPath,
      ...(provider.github ? {} : { nonce: client.randomNonce() }),
      ...(input.linkAccountId ? { linkAccountId: input.linkAccountId } : {}),
    };
    let url: URL;
    try {
      url = await this.#o.client.authorizationUrl(provider, { state, ...pending });
    } catch (error) {
      if (error instanceof OAuthFailure)
        throw new RampartError(oauthErrors.oauth_provider_unavailable, { cause: error.cause });
      throw error;
    }
    const digest = stateDigest(state);
    await this.#o.values.set(
      `oauth:state:${digest}`,
      JSON.stringify(pending),
      this.#o.policy.stateTtlMs,
    );
    return { url, stateDigest: digest };
  }

  async #fail(
    reason: ProtocolFailure,
    providerId: string,
    ctx: RequestContext,
    extra: Record<string, unknown> = {},
  ): Promise<never> {
    await this.#o.events.publish({
      type: 'auth.oauth.failed',
      outcome: 'failure',
      actor: anonymousActor(ctx),
      target: { type: 'oauth_provider', id: providerId },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { reason, provider: providerId, ...extra },
    });
    throw new RampartError(protocolFailures[reason], { context: { reason, ...extra } });
  }

  /**
   * The provider's answer. `stateCookie` is the digest the browser kept from the start:
   * a response whose state was not started in this browser is refused (login CSRF).
   */
  async callback(
    providerId: string,
    params: URLSearchParams,
    stateCookie: string | undefined,
    ctx: RequestContext,
  ): Promise<CallbackOutcome> {
    const state = params.get('state');
    const digest = state ? stateDigest(state) : undefined;
    if (!digest || !stateCookie || !sameText(digest, stateCookie))
      return this.#fail('state_invalid', providerId, ctx);
    const error = params.get('error');
    const code = params.get('code');
    if (error !== null || code === null) {
      await this.#o.values.delete(`oauth:state:${digest}`);
      const providerError = (error ?? 'no_code').slice(0, 64);
      if (providerError === 'access_denied') return this.#fail('access_denied', providerId, ctx);
      return this.#fail('provider_error', providerId, ctx, { providerError });
    }
    // A code is used once: its second arrival is an attack (a leaked or replayed callback).
    if (
      !(await this.#o.sets.add(
        `oauth:code:${providerId}:${hashSecretToken(code)}`,
        this.#o.policy.stateTtlMs,
      ))
    )
      return this.#fail('code_reused', providerId, ctx);
    const raw = await this.#o.values.take(`oauth:state:${digest}`);
    const pending = raw ? (JSON.parse(raw) as PendingSignIn) : undefined;
    if (!pending || pending.providerId !== providerId)
      return this.#fail('state_invalid', providerId, ctx);
    const provider = await this.#provider(providerId);
    // The URL the provider redirected to, as registered: the token request repeats it.
    const callbackUrl = new URL(provider.callbackUrl);
    callbackUrl.search = params.toString();
    let profile: ProviderProfile;
    try {
      profile = await this.#o.client.complete(provider, callbackUrl, {
        state: state as string,
        ...pending,
      });
    } catch (failure) {
      if (!(failure instanceof OAuthFailure)) throw failure;
      return this.#fail(failure.reason, providerId, ctx, { cause: describeCause(failure.cause) });
    }
    return this.#signIn(provider, profile, pending, ctx);
  }

  async #signIn(
    provider: OAuthProvider,
    profile: ProviderProfile,
    pending: PendingSignIn,
    ctx: RequestContext,
  ): Promise<CallbackOutcome> {
    const account = await this.#o.linker.findOrCreate(
      provider,
      profile,
      pending.linkAccountId,
      ctx,
    );
    if (pending.linkAccountId)
      return { kind: 'linked', providerId: provider.id, returnPath: pending.returnPath };
    if (pending.mode === 'code') {
      // No code for a locked account: the exchange would refuse it, but say so now.
      await this.#o.login.refuseIfLocked(account, ctx);
      const { token, hash } = generateSecretToken('rmpoc_', 32);
      await this.#o.values.set(
        `oauth:exchange:${hash}`,
        JSON.stringify({ accountId: account.id, provider: provider.id }),
        this.#o.policy.codeTtlMs,
      );
      await this.#loggedIn(account, provider.id, 'code_issued', ctx);
      return { kind: 'code', code: token, returnPath: pending.returnPath };
    }
    const result = await this.#o.login.signInVerified(account, ['oauth'], ctx);
    await this.#loggedIn(account, provider.id, result.kind, ctx);
    return { kind: 'signed_in', result, returnPath: pending.returnPath };
  }

  async #loggedIn(
    account: Account,
    providerId: string,
    outcome: string,
    ctx: RequestContext,
  ): Promise<void> {
    await this.#o.events.publish({
      type: 'auth.oauth.login',
      outcome: 'success',
      actor: userActor(account.id, ctx),
      target: { type: 'account', id: account.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { provider: providerId, outcome },
    });
  }

  /** Spends a one-time code of `mode=code` for the token pair (or the MFA step). */
  async exchange(code: string, ctx: RequestContext): Promise<LoginResult> {
    const raw = await this.#o.values.take(`oauth:exchange:${hashSecretToken(code)}`);
    if (!raw) throw new RampartError(oauthErrors.oauth_code_invalid);
    const { accountId } = JSON.parse(raw) as { accountId: string };
    const account = await this.#o.accounts.findAccountById(accountId);
    // Locked since the code was issued: the same answer as any locked sign-in.
    if (account?.adminLock) await this.#o.login.refuseIfLocked(account, ctx);
    if (account?.status !== 'active') throw new RampartError(oauthErrors.oauth_code_invalid);
    return this.#o.login.signInVerified(account, ['oauth'], ctx);
  }
}

/** The messages of an error's cause chain, for operators (no tokens: the library's own texts). */
function describeCause(error: unknown): string {
  const parts: string[] = [];
  for (let e = error; e instanceof Error && parts.length < 4; e = e.cause) parts.push(e.message);
  return parts.join(': ').slice(0, 300);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
