import type { RoleName } from '../../config/schema.js';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor } from '../../events/security-event.js';
import type { ApiKeyRecord } from '../api-key-store.js';
import { identityErrors } from '../errors.js';
import type { Account, AccountStatus, AccountStore } from '../store.js';
import type { AccountCache } from './account-cache.js';
import { decodeCursor, encodeCursor } from './account-cursor.js';
import { normalizeEmail } from './email.js';
import type { RequestContext } from './request-context.js';

/** What the admin API needs of the authorization policy (src/authz PolicyService). */
export interface AccountAdminPolicy {
  /** Roles assigned through the policy (built-in or custom). */
  assignedTo(principalId: string): readonly string[];
  /** Held plus assigned roles. */
  rolesOf(principalId: string, roles: readonly string[]): readonly string[];
  /** True when one of `roles` is `role` or inherits it. */
  holdsRole(roles: readonly string[], role: string): boolean;
  /** Ids of the principals assigned `role`, or a role inheriting it. */
  principalsHolding(role: string): readonly string[];
  /** Replaces the principal's assignments (emits `authz.policy.changed`). */
  setAssignments(
    principalId: string,
    roles: readonly string[],
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<readonly string[]>;
}

export interface AccountAdminServiceOptions {
  accounts: AccountStore;
  cache: AccountCache;
  /** The sign-in lockout (src/identity/core/login-throttle.ts), in the hot store. */
  login: {
    unlock(email: string, actor: EventActor): Promise<void>;
    lockedUntil(email: string): Promise<number | undefined>;
  };
  sessions: {
    list(accountId: string): Promise<unknown[]>;
    revokeAll(
      accountId: string,
      reason: 'account_locked' | 'roles_reduced',
      actor: EventActor,
      ctx: RequestContext,
    ): Promise<string[]>;
  };
  apiKeys: {
    list(owner: { kind: 'user'; id: string }): Promise<ApiKeyRecord[]>;
  };
  mfa: { status(accountId: string): Promise<{ enabled: boolean }> };
  policy: AccountAdminPolicy;
  /** Linked provider identities of an account (0 without social login). */
  countIdentities?: (accountId: string) => Promise<number>;
  /**
   * Erases the account through the GDPR path (revokes sessions and keys, anonymises, keeps
   * the audit trail verifiable). Unset: deletion is unavailable.
   */
  erase?: (
    accountId: string,
    actor: EventActor & { id: string },
    ctx: RequestContext,
  ) => Promise<{ pseudonym: string }>;
  events: EventPublisher;
  /** A lock with no duration given lasts this long (config `admin.lockDuration`). */
  defaultLockMs: number;
  now?: () => number;
}

export interface AccountSearchInput {
  query?: string | undefined;
  role?: string | undefined;
  status?: AccountStatus | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface AccountSummary {
  account: Account;
  effectiveRoles: readonly string[];
  /** The later end of an administrator's lock and a sign-in lockout; null when neither. */
  lockedUntil: number | null;
}

export interface AccountDetail extends AccountSummary {
  assignedRoles: readonly string[];
  mfaEnabled: boolean;
  linkedIdentities: number;
  activeSessions: number;
  activeApiKeys: number;
}

const builtIn: ReadonlySet<string> = new Set<RoleName>(['ADMIN', 'DEVELOPER', 'VIEWER']);

/**
 * Accounts as administrators manage them: search, inspect, lock, set built-in roles and
 * delete. Locking is the sign-in lockout (the same one failed attempts and automated
 * responses use) plus revoking every session; deleting is the GDPR erasure. Removing the
 * last administrator — held directly or assigned through the policy — is refused.
 */
export class AccountAdminService {
  readonly #o: AccountAdminServiceOptions;
  readonly #now: () => number;

  constructor(options: AccountAdminServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  async #get(id: string): Promise<Account> {
    const account = await this.#o.accounts.findAccountById(id);
    if (!account) throw new RampartError(identityErrors.account_not_found);
    return account;
  }

  async #lockedUntil(account: Account): Promise<number | undefined> {
    const lockout = await this.#o.login.lockedUntil(account.email);
    const admin = account.adminLock?.until;
    if (lockout === undefined || admin === undefined) return lockout ?? admin;
    return Math.max(lockout, admin);
  }

  async search(
    input: AccountSearchInput,
  ): Promise<{ items: AccountSummary[]; nextCursor: string | null }> {
    const after = input.cursor ? decodeCursor(input.cursor) : undefined;
    const role = input.role;
    const page = await this.#o.accounts.searchAccounts({
      query: input.query ? normalizeEmail(input.query) : undefined,
      status: input.status,
      after,
      // One more than asked tells whether a next page exists.
      limit: input.limit + 1,
      ...(role === undefined
        ? {}
        : {
            ...(builtIn.has(role) ? { role: role as RoleName } : {}),
            orIds: this.#o.policy.principalsHolding(role),
          }),
    });
    const items = page.slice(0, input.limit);
    const last = items.at(-1);
    return {
      items: await Promise.all(items.map((a) => this.#summary(a))),
      nextCursor: page.length > input.limit && last ? encodeCursor(last.id) : null,
    };
  }

  async #summary(account: Account): Promise<AccountSummary> {
    return {
      account,
      effectiveRoles: this.#o.policy.rolesOf(account.id, account.roles),
      lockedUntil: (await this.#lockedUntil(account)) ?? null,
    };
  }

  async detail(id: string): Promise<AccountDetail> {
    const account = await this.#get(id);
    const [summary, mfa, identities, sessions, keys] = await Promise.all([
      this.#summary(account),
      this.#o.mfa.status(id),
      this.#o.countIdentities?.(id) ?? Promise.resolve(0),
      this.#o.sessions.list(id),
      this.#o.apiKeys.list({ kind: 'user', id }),
    ]);
    const now = this.#now();
    return {
      ...summary,
      assignedRoles: this.#o.policy.assignedTo(id),
      mfaEnabled: mfa.enabled,
      linkedIdentities: identities,
      activeSessions: sessions.length,
      activeApiKeys: keys.filter(
        (k) => k.revokedAt === null && (k.expiresAt === null || k.expiresAt > now),
      ).length,
    };
  }

  /**
   * An administrator's lock: the account is disabled in the database (so a restart or a
   * lost hot store does not lift it) until `durationMs` (default: config) or an unlock.
   * Sign-in, refresh and API keys honour `disabled`; every session ends at once.
   */
  async lock(
    id: string,
    input: { durationMs?: number | undefined; reason?: string | null | undefined },
    actor: EventActor & { id: string },
    ctx: RequestContext,
  ): Promise<{ lockedUntil: number; sessionsRevoked: number }> {
    const account = await this.#get(id);
    if (account.id === actor.id) throw new RampartError(identityErrors.account_self_lock);
    const now = this.#now();
    const durationMs = input.durationMs ?? this.#o.defaultLockMs;
    const lock = { by: actor.id, reason: input.reason ?? null, at: now, until: now + durationMs };
    // An erased account is disabled without a lock: there is nothing to lock.
    if (!(await this.#o.accounts.setAdminLock(id, lock, now)))
      throw new RampartError(identityErrors.account_not_found);
    await this.#o.cache.changed(id);
    await this.#o.events.publish({
      type: 'auth.account.locked',
      outcome: 'success',
      actor,
      target: { type: 'account', id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: {
        lockedForSeconds: Math.round(durationMs / 1000),
        until: new Date(lock.until).toISOString(),
        reason: lock.reason,
        durable: true,
      },
    });
    const revoked = await this.#o.sessions.revokeAll(account.id, 'account_locked', actor, ctx);
    return { lockedUntil: lock.until, sessionsRevoked: revoked.length };
  }

  /** Ends an administrator's lock and a sign-in lockout, with its failure counters. */
  async unlock(id: string, actor: EventActor): Promise<void> {
    const account = await this.#get(id);
    await this.#o.accounts.clearAdminLock(id, this.#now());
    // Even when another process (the CLI) cleared the lock: this node's cache may hold it.
    await this.#o.cache.changed(id);
    await this.#o.login.unlock(account.email, actor);
  }

  /**
   * Replaces the built-in roles the account holds directly. Custom roles are assigned
   * through the policy (PUT /v1/authz/assignments/:id); both add up to the effective roles.
   */
  async setRoles(
    id: string,
    roles: readonly RoleName[],
    actor: EventActor & { id: string },
    ctx: RequestContext,
  ): Promise<AccountDetail> {
    const account = await this.#get(id);
    const after = [...new Set(roles)].sort();
    const before = [...account.roles];
    if (before.includes('ADMIN') && !after.includes('ADMIN'))
      await this.#keepAnAdmin(account, this.#o.policy.principalsHolding('ADMIN').includes(id));
    const effectiveBefore = [...this.#o.policy.rolesOf(id, account.roles)];
    await this.#o.accounts.setRoles(id, after, this.#now());
    await this.#o.cache.changed(id);
    // Access tokens carry the roles they were issued with: after a role is taken away, the
    // account's sessions end so that no token still holding it is accepted. (Added roles
    // need no such step: the next refresh picks them up.)
    const reduced = before.some((r) => !after.includes(r));
    const revoked = reduced
      ? await this.#o.sessions.revokeAll(id, 'roles_reduced', actor, ctx)
      : [];
    const detail = await this.detail(id);
    await this.#o.events.publish({
      type: 'account.roles.changed',
      outcome: 'success',
      actor,
      target: { type: 'account', id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: {
        before: { roles: before, effectiveRoles: effectiveBefore },
        after: { roles: after, effectiveRoles: [...detail.effectiveRoles] },
        sessionsRevoked: revoked.length,
      },
    });
    return detail;
  }

  /**
   * Deletes (erases) the account: sessions and keys revoked, policy assignments removed,
   * personal data anonymised; the audit trail keeps its records, still verifiable.
   */
  async delete(
    id: string,
    actor: EventActor & { id: string },
    ctx: RequestContext,
  ): Promise<{ pseudonym: string }> {
    const erase = this.#o.erase;
    if (!erase) throw new RampartError(identityErrors.account_not_found);
    const account = await this.#get(id);
    if (account.status !== 'active' && account.email.endsWith('@erased.invalid'))
      throw new RampartError(identityErrors.account_not_found);
    await this.#keepAnAdmin(account, false);
    const assigned = this.#o.policy.assignedTo(id);
    if (assigned.length > 0) await this.#o.policy.setAssignments(id, [], actor, ctx);
    const { pseudonym } = await erase(id, actor, ctx);
    await this.#o.events.publish({
      type: 'account.deleted',
      outcome: 'success',
      actor,
      target: { type: 'account', id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: {
        pseudonym,
        before: { roles: [...account.roles], assignedRoles: [...assigned] },
      },
    });
    return { pseudonym };
  }

  /**
   * For PUT /v1/authz/assignments/:id: refuses assignments that would take ADMIN from the
   * last account holding it, as the admin API does for the roles held directly.
   */
  async checkAssignment(principalId: string, roles: readonly string[]): Promise<void> {
    const account = await this.#o.accounts.findAccountById(principalId);
    if (account?.status !== 'active') return;
    const stillAdmin = account.roles.includes('ADMIN') || this.#o.policy.holdsRole(roles, 'ADMIN');
    await this.#keepAnAdmin(account, stillAdmin);
  }

  /**
   * Refuses a change that would leave no active account holding ADMIN (directly, by an
   * assignment, or through a role inheriting it). `stillAdmin`: the account keeps it.
   */
  async #keepAnAdmin(account: Account, stillAdmin: boolean): Promise<void> {
    if (stillAdmin) return;
    const viaPolicy = this.#o.policy.principalsHolding('ADMIN');
    if (!account.roles.includes('ADMIN') && !viaPolicy.includes(account.id)) return;
    const others = new Set(await this.#o.accounts.listActiveAccountIdsWithRole('ADMIN'));
    for (const pid of viaPolicy) {
      if (others.has(pid) || pid === account.id) continue;
      const a = await this.#o.accounts.findAccountById(pid);
      if (a?.status === 'active') others.add(pid);
    }
    others.delete(account.id);
    if (others.size === 0) throw new RampartError(identityErrors.last_admin);
  }
}
