import type { RoleName } from '../../config/schema.js';
import { statusAt } from '../../identity/core/admin-lock.js';
import type {
  Account,
  AccountClaim,
  AccountSearch,
  AccountStore,
  AccountWithCredentials,
  AdminLock,
  BootstrapTokenStore,
  CreateAccountResult,
  IdentityStores,
  InviteRecord,
  InviteStore,
  NewAccount,
  SigningKeyStore,
  StoredSigningKey,
} from '../../identity/store.js';

interface MemoryState {
  accounts: Map<string, AccountWithCredentials>;
  invites: Map<string, InviteRecord & { tokenHash: string }>;
  bootstrap: Map<
    string,
    { id: string; tokenHash: string; createdAt: number; expiresAt: number; usedAt: number | null }
  >;
  signingKeys: Map<string, StoredSigningKey>;
}

/** What a read returns: a timed administrator's lock that ran out no longer holds. */
function asRead<T extends Account>(a: T): T {
  const { status: _s, adminLock: lock, ...rest } = a;
  return { ...rest, roles: [...a.roles], ...statusAt(a.status, lock, Date.now()) } as T;
}

function publicAccount(a: AccountWithCredentials): Account {
  const { passwordHash: _hash, passwordChangedAt: _changed, ...account } = asRead(a);
  return account;
}

class MemoryAccountStore implements AccountStore {
  constructor(private readonly state: MemoryState) {}

  async createAccount(input: NewAccount, claim?: AccountClaim): Promise<CreateAccountResult> {
    // Everything below runs without an await, so it is atomic on Node's single thread.
    const emailTaken = [...this.state.accounts.values()].some((a) => a.email === input.email);
    let invite: (InviteRecord & { tokenHash: string }) | undefined;
    if (claim?.kind === 'invite') {
      invite = [...this.state.invites.values()].find((i) => i.tokenHash === claim.tokenHash);
      if (!invite || invite.usedAt !== null || invite.expiresAt <= claim.now)
        return { status: 'claim_invalid' };
      if (invite.email !== null && invite.email !== input.email) return { status: 'claim_invalid' };
    }
    let bootstrap: { usedAt: number | null; expiresAt: number } | undefined;
    if (claim?.kind === 'bootstrap') {
      const hasAdmin = [...this.state.accounts.values()].some((a) => a.roles.includes('ADMIN'));
      bootstrap = [...this.state.bootstrap.values()].find((b) => b.tokenHash === claim.tokenHash);
      if (hasAdmin || !bootstrap || bootstrap.usedAt !== null || bootstrap.expiresAt <= claim.now) {
        return { status: 'claim_invalid' };
      }
    }
    // A reused id is refused like a reused email, as the SQL adapter's unique key does:
    // it must never replace the existing account.
    if (emailTaken || this.state.accounts.has(input.id)) return { status: 'email_taken' };
    // The claim is spent at the instant it was checked against, as in the SQL adapter.
    if (invite && claim) {
      invite.usedAt = claim.now;
      invite.usedBy = input.id;
    }
    if (bootstrap && claim) bootstrap.usedAt = claim.now;
    const roles = [...new Set<RoleName>([...input.roles, ...(invite?.roles ?? [])])].sort();
    const stored: AccountWithCredentials = {
      id: input.id,
      email: input.email,
      name: input.name,
      roles,
      status: 'active',
      createdAt: input.now,
      updatedAt: input.now,
      passwordHash: input.passwordHash,
      passwordChangedAt: input.passwordHash === null ? null : input.now,
    };
    this.state.accounts.set(input.id, stored);
    const account = publicAccount(stored);
    if (invite) {
      const { tokenHash: _t, ...record } = invite;
      return { status: 'created', account, invite: { ...record } };
    }
    return { status: 'created', account };
  }

  async findAccountByEmail(email: string): Promise<AccountWithCredentials | undefined> {
    const found = [...this.state.accounts.values()].find((a) => a.email === email);
    return found ? asRead(found) : undefined;
  }

  async findAccountById(id: string): Promise<Account | undefined> {
    const found = this.state.accounts.get(id);
    return found ? publicAccount(found) : undefined;
  }

  async updatePasswordHash(id: string, passwordHash: string, now: number): Promise<void> {
    const found = this.state.accounts.get(id);
    if (found) {
      found.passwordHash = passwordHash;
      found.updatedAt = now;
    }
  }

  async setPassword(id: string, passwordHash: string, now: number): Promise<void> {
    const found = this.state.accounts.get(id);
    if (found) {
      found.passwordHash = passwordHash;
      found.updatedAt = now;
      found.passwordChangedAt = now;
    }
  }

  async findAccountWithCredentialsById(id: string): Promise<AccountWithCredentials | undefined> {
    const found = this.state.accounts.get(id);
    return found ? asRead(found) : undefined;
  }

  async setAdminLock(id: string, lock: AdminLock, now: number): Promise<boolean> {
    const found = this.state.accounts.get(id);
    if (!found || (found.status !== 'active' && found.adminLock === undefined)) return false;
    found.status = 'disabled';
    found.adminLock = { ...lock };
    found.updatedAt = now;
    return true;
  }

  async clearAdminLock(id: string, now: number): Promise<boolean> {
    const found = this.state.accounts.get(id);
    if (!found?.adminLock) return false;
    found.status = 'active';
    delete found.adminLock;
    found.updatedAt = now;
    return true;
  }

  async countActiveAccountsWithRole(role: RoleName): Promise<number> {
    return [...this.state.accounts.values()].filter(
      (a) => a.status === 'active' && a.roles.includes(role),
    ).length;
  }

  async listActiveAccountIdsWithRole(role: RoleName): Promise<string[]> {
    return [...this.state.accounts.values()]
      .filter((a) => a.status === 'active' && a.roles.includes(role))
      .map((a) => a.id);
  }

  async searchAccounts(search: AccountSearch): Promise<Account[]> {
    const ids = new Set(search.orIds ?? []);
    const filtered = search.role !== undefined || search.orIds !== undefined;
    return [...this.state.accounts.values()]
      .filter(
        (a) =>
          (!search.query || a.email.includes(search.query)) &&
          (!search.status || a.status === search.status) &&
          (search.after === undefined || a.id > search.after) &&
          (!filtered ||
            ids.has(a.id) ||
            (search.role !== undefined && a.roles.includes(search.role))),
      )
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, search.limit)
      .map(publicAccount);
  }

  async setRoles(id: string, roles: readonly RoleName[], now: number): Promise<void> {
    const found = this.state.accounts.get(id);
    if (found) {
      found.roles = [...new Set(roles)].sort();
      found.updatedAt = now;
    }
  }
}

class MemoryInviteStore implements InviteStore {
  constructor(private readonly state: MemoryState) {}

  async createInvite(invite: InviteRecord & { tokenHash: string }): Promise<{ replaced: number }> {
    if ([...this.state.invites.values()].some((i) => i.tokenHash === invite.tokenHash)) {
      throw Object.assign(new Error('duplicate invite token'), {
        code: 'SQLITE_CONSTRAINT_UNIQUE',
      });
    }
    let replaced = 0;
    if (invite.email !== null)
      for (const [id, other] of this.state.invites)
        if (other.email === invite.email && other.usedAt === null) {
          this.state.invites.delete(id);
          replaced++;
        }
    this.state.invites.set(invite.id, { ...invite, roles: [...invite.roles] });
    return { replaced };
  }

  async listInvites(options: { includeUsed: boolean; now: number }): Promise<InviteRecord[]> {
    return [...this.state.invites.values()]
      .filter((i) => options.includeUsed || (i.usedAt === null && i.expiresAt > options.now))
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
      .map(({ tokenHash: _t, ...rest }) => ({ ...rest, roles: [...rest.roles] }));
  }

  async revokeInvite(id: string): Promise<boolean> {
    const found = this.state.invites.get(id);
    if (!found || found.usedAt !== null) return false;
    this.state.invites.delete(id);
    return true;
  }
}

class MemoryBootstrapTokenStore implements BootstrapTokenStore {
  constructor(private readonly state: MemoryState) {}

  async replaceBootstrapToken(token: {
    id: string;
    tokenHash: string;
    createdAt: number;
    expiresAt: number;
  }): Promise<void> {
    for (const [id, t] of this.state.bootstrap)
      if (t.usedAt === null) this.state.bootstrap.delete(id);
    this.state.bootstrap.set(token.id, { ...token, usedAt: null });
  }
}

class MemorySigningKeyStore implements SigningKeyStore {
  constructor(private readonly state: MemoryState) {}

  async listUsableSigningKeys(now: number): Promise<StoredSigningKey[]> {
    const keys = [...this.state.signingKeys.values()]
      .filter((k) => k.verifyUntil === null || k.verifyUntil > now)
      .sort((a, b) => b.createdAt - a.createdAt || (a.kid < b.kid ? 1 : -1))
      .map((k) => ({ ...k }));
    return [
      ...keys.filter((k) => k.retiredAt === null),
      ...keys.filter((k) => k.retiredAt !== null),
    ];
  }

  async addCurrentSigningKey(key: StoredSigningKey, retiredVerifyUntil: number): Promise<string[]> {
    // Like the SQL primary key: a reused kid fails and retires nothing.
    if (this.state.signingKeys.has(key.kid)) {
      throw Object.assign(new Error('duplicate signing key id'), {
        code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
      });
    }
    const retired: string[] = [];
    for (const k of this.state.signingKeys.values()) {
      if (k.retiredAt === null) {
        k.retiredAt = key.createdAt;
        k.verifyUntil = retiredVerifyUntil;
        retired.push(k.kid);
      }
    }
    this.state.signingKeys.set(key.kid, { ...key, retiredAt: null, verifyUntil: null });
    return retired.sort();
  }
}

/** Identity ports kept in process memory: for tests and embedding; nothing survives a restart. */
/** The foundation's ports; sessions, MFA and resets have SQL adapters only (tests use SQLite in memory). */
export type MemoryIdentityStores = Omit<IdentityStores, 'sessions' | 'mfa' | 'passwordResets'>;

export function createMemoryIdentityStores(): MemoryIdentityStores {
  const state: MemoryState = {
    accounts: new Map(),
    invites: new Map(),
    bootstrap: new Map(),
    signingKeys: new Map(),
  };
  return {
    accounts: new MemoryAccountStore(state),
    invites: new MemoryInviteStore(state),
    bootstrapTokens: new MemoryBootstrapTokenStore(state),
    signingKeys: new MemorySigningKeyStore(state),
  };
}
