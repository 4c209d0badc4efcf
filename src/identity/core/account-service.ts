import type { RoleName } from '../../config/schema.js';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor } from '../../events/security-event.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import { identityErrors } from '../errors.js';
import type { Account, AccountClaim, IdentityStores, InviteRecord } from '../store.js';
import type { AccountCache } from './account-cache.js';
import { normalizeEmail } from './email.js';
import type { PasswordHasher } from './password-hasher.js';
import { checkPassword, type PasswordPolicyOptions } from './password-policy.js';
import { anonymousActor, type RequestContext, userActor } from './request-context.js';
import { generateSecretToken, hashSecretToken } from './secret-token.js';

export interface AccountServiceOptions {
  stores: IdentityStores;
  /** Reads of accounts by id; every change must be announced through it. */
  cache: AccountCache;
  hasher: PasswordHasher;
  events: EventPublisher;
  passwordPolicy: PasswordPolicyOptions;
  registration: {
    mode: 'open' | 'invite' | 'closed';
    defaultRoles: readonly RoleName[];
    inviteTtl: number;
  };
  bootstrapTokenTtl: number;
  now?: () => number;
}

export interface RegisterInput {
  email: string;
  password: string;
  name?: string | undefined;
  inviteToken?: string | undefined;
}

/**
 * Accounts and password login: the first identity slice. Every outcome that matters to
 * security becomes an event; failures reach the client only as stable codes.
 */
export class AccountService {
  readonly #o: AccountServiceOptions;
  readonly #now: () => number;

  constructor(options: AccountServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  #assertPassword(password: string, email: string): void {
    const violations = checkPassword(password, email, this.#o.passwordPolicy);
    const first = violations[0];
    if (first) throw new RampartError(identityErrors[first], { extensions: { violations } });
  }

  async #create(
    input: {
      email: string;
      password: string;
      name?: string | undefined;
      roles: readonly RoleName[];
    },
    claim: AccountClaim | undefined,
  ): Promise<{ account: Account; invite?: InviteRecord }> {
    const email = normalizeEmail(input.email);
    this.#assertPassword(input.password, email);
    const passwordHash = await this.#o.hasher.hash(input.password);
    const result = await this.#o.stores.accounts.createAccount(
      {
        id: uuidv7(),
        email,
        name: input.name?.trim() || null,
        passwordHash,
        roles: [...input.roles],
        now: this.#now(),
      },
      claim,
    );
    if (result.status === 'email_taken') throw new RampartError(identityErrors.account_exists);
    if (result.status === 'claim_invalid') {
      throw new RampartError(
        claim?.kind === 'bootstrap'
          ? identityErrors.bootstrap_unavailable
          : identityErrors.invite_invalid,
      );
    }
    return result.invite
      ? { account: result.account, invite: result.invite }
      : { account: result.account };
  }

  /** Self-service registration, governed by `registration.mode`. */
  async register(input: RegisterInput, ctx: RequestContext): Promise<Account> {
    const { mode, defaultRoles } = this.#o.registration;
    if (mode === 'closed') throw new RampartError(identityErrors.registration_closed);
    if (mode === 'invite' && !input.inviteToken)
      throw new RampartError(identityErrors.invite_required);
    const claim: AccountClaim | undefined = input.inviteToken
      ? { kind: 'invite', tokenHash: hashSecretToken(input.inviteToken), now: this.#now() }
      : undefined;
    const { account, invite } = await this.#create({ ...input, roles: defaultRoles }, claim);
    await this.#o.events.publish({
      type: 'account.registered',
      outcome: 'success',
      actor: { ...anonymousActor(ctx), kind: 'user', id: account.id },
      target: { type: 'account', id: account.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: {
        roles: account.roles,
        via: invite ? 'invite' : 'open',
        ...(invite ? { inviteId: invite.id } : {}),
      },
    });
    return account;
  }

  /** An operator creates an account directly (CLI `user create`), with any roles. */
  async createAccount(
    input: {
      email: string;
      password: string;
      name?: string | undefined;
      roles: readonly RoleName[];
    },
    actor: EventActor,
  ): Promise<Account> {
    const { account } = await this.#create(input, undefined);
    await this.#o.events.publish({
      type: 'account.created_by_admin',
      outcome: 'success',
      actor,
      target: { type: 'account', id: account.id },
      details: { roles: account.roles },
    });
    return account;
  }

  /**
   * Issues a new one-time bootstrap token if no administrator exists (development start).
   * Returns undefined when an administrator already exists.
   */
  async issueBootstrapToken(): Promise<{ token: string; expiresAt: number } | undefined> {
    if ((await this.#o.stores.accounts.countActiveAccountsWithRole('ADMIN')) > 0) return undefined;
    const { token, hash } = generateSecretToken('rmpboot_');
    const now = this.#now();
    const expiresAt = now + this.#o.bootstrapTokenTtl * 1000;
    await this.#o.stores.bootstrapTokens.replaceBootstrapToken({
      id: uuidv7(now),
      tokenHash: hash,
      createdAt: now,
      expiresAt,
    });
    return { token, expiresAt };
  }

  /** Spends the bootstrap token to create the first administrator. */
  async bootstrapAdmin(
    input: { token: string; email: string; password: string; name?: string | undefined },
    ctx: RequestContext,
  ): Promise<Account> {
    const claim: AccountClaim = {
      kind: 'bootstrap',
      tokenHash: hashSecretToken(input.token),
      now: this.#now(),
    };
    const { account } = await this.#create({ ...input, roles: ['ADMIN'] }, claim);
    await this.#o.events.publish({
      type: 'auth.bootstrap.used',
      outcome: 'success',
      actor: userActor(account.id, ctx),
      target: { type: 'account', id: account.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { roles: account.roles },
    });
    return account;
  }

  /** The account when the cache holds it fresh, without a promise; else undefined. */
  getAccountNow(id: string): Account | undefined {
    return this.#o.cache.getNow(id);
  }

  async getAccount(id: string): Promise<Account> {
    const account = await this.#o.cache.get(id);
    if (!account) throw new RampartError(identityErrors.account_not_found);
    return account;
  }

  /** An invitation to register; the token is returned once and stored only as a hash. */
  async createInvite(
    input: { email?: string | undefined; roles: readonly RoleName[] },
    actor: EventActor & { id: string },
    ctx: RequestContext,
  ): Promise<{ invite: InviteRecord; token: string }> {
    const now = this.#now();
    const { token, hash } = generateSecretToken('rmpinv_');
    const invite: InviteRecord = {
      id: uuidv7(now),
      email: input.email ? normalizeEmail(input.email) : null,
      roles: [...new Set(input.roles)],
      createdBy: actor.id,
      createdAt: now,
      expiresAt: now + this.#o.registration.inviteTtl * 1000,
      usedAt: null,
      usedBy: null,
    };
    const { replaced } = await this.#o.stores.invites.createInvite({ ...invite, tokenHash: hash });
    await this.#o.events.publish({
      type: 'invite.created',
      outcome: 'success',
      actor,
      target: { type: 'invite', id: invite.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      // replaced: the email's unused invites this one voids (only the newest works).
      details: { roles: invite.roles, forEmail: invite.email !== null, replaced },
    });
    return { invite, token };
  }

  listInvites(includeUsed: boolean): Promise<InviteRecord[]> {
    return this.#o.stores.invites.listInvites({ includeUsed, now: this.#now() });
  }

  async revokeInvite(id: string): Promise<void> {
    if (!(await this.#o.stores.invites.revokeInvite(id)))
      throw new RampartError(identityErrors.invite_not_found);
  }
}
