import type { RoleName } from '../config/schema.js';
import type { MfaStore, PasswordResetStore } from './mfa-store.js';
import type { SessionStore } from './session-store.js';

/** Ports the identity capability needs. Adapters: src/storage/sql (SQLite, PostgreSQL) and src/storage/memory. */

export type AccountStatus = 'active' | 'disabled';

/**
 * An administrator's lock: durable (the account is `disabled` while it holds), unlike a
 * lockout after failed sign-ins, which lives in the hot store.
 */
export interface AdminLock {
  /** Who locked it (an account id, or `system:cli`). */
  by: string;
  reason: string | null;
  at: number;
  /** The lock ends on its own at this time; an unlock ends it earlier. */
  until: number;
}

export interface Account {
  id: string;
  email: string;
  name: string | null;
  roles: RoleName[];
  /** `disabled` while an administrator's lock holds, and once the account is erased. */
  status: AccountStatus;
  createdAt: number;
  updatedAt: number;
  /** Present while an administrator's lock holds. */
  adminLock?: AdminLock;
}

export interface AccountWithCredentials extends Account {
  passwordHash: string | null;
  passwordChangedAt: number | null;
}

export interface NewAccount {
  id: string;
  /** Already normalised. */
  email: string;
  name: string | null;
  /** Null for an account created by a social login: it has no password until one is set. */
  passwordHash: string | null;
  roles: RoleName[];
  now: number;
}

/**
 * A one-time token that must be consumed in the same transaction that creates the
 * account: an invitation, or the bootstrap token that creates the first administrator.
 */
export type AccountClaim =
  | { kind: 'invite'; tokenHash: string; now: number }
  | { kind: 'bootstrap'; tokenHash: string; now: number };

export type CreateAccountResult =
  | { status: 'created'; account: Account; invite?: InviteRecord }
  | { status: 'email_taken' }
  /** The claim was unknown, spent, expired, for another email, or (bootstrap) an admin exists. */
  | { status: 'claim_invalid' };

export interface AccountStore {
  /** Creates the account, consuming `claim` atomically with it when given. */
  createAccount(input: NewAccount, claim?: AccountClaim): Promise<CreateAccountResult>;
  findAccountByEmail(email: string): Promise<AccountWithCredentials | undefined>;
  findAccountById(id: string): Promise<Account | undefined>;
  /** Replaces the hash with a stronger one for the same password (parameters changed). */
  updatePasswordHash(id: string, passwordHash: string, now: number): Promise<void>;
  /** Sets a new password: the hash and `passwordChangedAt`. */
  setPassword(id: string, passwordHash: string, now: number): Promise<void>;
  findAccountWithCredentialsById(id: string): Promise<AccountWithCredentials | undefined>;
  countActiveAccountsWithRole(role: RoleName): Promise<number>;
  /** Ids of the active accounts holding `role` directly (not through the policy). */
  listActiveAccountIdsWithRole(role: RoleName): Promise<string[]>;
  /** One page of accounts in id (creation) order, for administrators. */
  searchAccounts(search: AccountSearch): Promise<Account[]>;
  /** Replaces the built-in roles an account holds directly. */
  setRoles(id: string, roles: readonly RoleName[], now: number): Promise<void>;
  /**
   * Disables an active (or already admin-locked) account under `lock`, replacing a previous
   * lock; resolves false when the account is missing or disabled otherwise (erased).
   */
  setAdminLock(id: string, lock: AdminLock, now: number): Promise<boolean>;
  /** Ends an administrator's lock (the account is active again); false when none held. */
  clearAdminLock(id: string, now: number): Promise<boolean>;
}

export interface AccountSearch {
  /** Lower-case text the email must contain (a prefix is one case of it). */
  query?: string | undefined;
  /**
   * Keeps accounts holding this built-in role directly, or whose id is in `orIds` (those
   * holding a role through the policy). With `orIds` alone, only those ids.
   */
  role?: RoleName | undefined;
  orIds?: readonly string[] | undefined;
  status?: AccountStatus | undefined;
  /** Only ids after this one: the last id of the previous page. */
  after?: string | undefined;
  limit: number;
}

export interface InviteRecord {
  id: string;
  email: string | null;
  roles: RoleName[];
  createdBy: string | null;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  usedBy: string | null;
}

export interface InviteStore {
  /**
   * Stores an invite. One bound to an email replaces that email's unused invites (only the
   * newest works, even when several are created at once); resolves with how many it
   * replaced.
   */
  createInvite(invite: InviteRecord & { tokenHash: string }): Promise<{ replaced: number }>;
  listInvites(options: { includeUsed: boolean; now: number }): Promise<InviteRecord[]>;
  /** Deletes an unused invite; resolves false if none matched. */
  revokeInvite(id: string): Promise<boolean>;
}

export interface BootstrapTokenStore {
  /** Replaces any previous bootstrap token: only the newest printed one works. */
  replaceBootstrapToken(token: {
    id: string;
    tokenHash: string;
    createdAt: number;
    expiresAt: number;
  }): Promise<void>;
}

export interface StoredSigningKey {
  kid: string;
  algorithm: string;
  /** Public JWK (JSON text); null for symmetric keys. */
  publicJwk: string | null;
  /** The private JWK sealed with the master key. */
  sealedPrivateKey: string;
  createdAt: number;
  retiredAt: number | null;
  verifyUntil: number | null;
}

export interface SigningKeyStore {
  /** Keys that may still verify a token at `now` (current first, then by age). */
  listUsableSigningKeys(now: number): Promise<StoredSigningKey[]>;
  /**
   * Makes `key` the current signing key and, in the same transaction, retires every
   * other current key: it stops signing now and verifies until `retiredVerifyUntil`.
   * Resolves with the ids of the keys it retired (as stored, whatever this node believed).
   */
  addCurrentSigningKey(key: StoredSigningKey, retiredVerifyUntil: number): Promise<string[]>;
}

export interface IdentityStores {
  accounts: AccountStore;
  invites: InviteStore;
  bootstrapTokens: BootstrapTokenStore;
  signingKeys: SigningKeyStore;
  sessions: SessionStore;
  mfa: MfaStore;
  passwordResets: PasswordResetStore;
}
