/** Ports of social login. Adapter: src/storage/sql/sql-oauth-store.ts (SQLite, PostgreSQL). */

export type OAuthProviderType = 'github' | 'gitlab' | 'google' | 'oidc';

/** A provider added through the admin API; its client secret is sealed at rest. */
export interface StoredOAuthProvider {
  id: string;
  type: OAuthProviderType;
  name: string | null;
  clientId: string;
  /** Sealed by the data key ring, associated data `sealedContexts.oauthProvider(id)`. */
  clientSecretSealed: string;
  scopes: string[] | null;
  issuer: string | null;
  baseUrl: string | null;
  apiUrl: string | null;
  callbackUrl: string | null;
  enabled: boolean;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

/** An account's identity at a provider: `subject` is the provider's stable user id. */
export interface LinkedIdentity {
  id: string;
  accountId: string;
  providerId: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  createdAt: number;
  lastLoginAt: number | null;
}

export type LinkIdentityResult =
  | { status: 'linked'; identity: LinkedIdentity }
  /** The provider subject is already linked (to this or another account). */
  | { status: 'taken'; identity: LinkedIdentity };

export interface OAuthStore {
  listProviders(): Promise<StoredOAuthProvider[]>;
  findProvider(id: string): Promise<StoredOAuthProvider | undefined>;
  /** Resolves false when the id is taken. */
  createProvider(provider: StoredOAuthProvider): Promise<boolean>;
  /** Replaces the row; resolves false when none has this id. */
  updateProvider(provider: StoredOAuthProvider): Promise<boolean>;
  /** Deletes the provider and every identity linked through it; false when none matched. */
  deleteProvider(id: string): Promise<boolean>;
  /**
   * How many active accounts can sign in only through this provider: no password and no
   * identity at another provider. Removing the provider would lock them out.
   */
  countSoleSignInAccounts(providerId: string): Promise<number>;
  /** How many identities are linked to the account. */
  countIdentities(accountId: string): Promise<number>;

  findIdentity(providerId: string, subject: string): Promise<LinkedIdentity | undefined>;
  listIdentities(accountId: string): Promise<LinkedIdentity[]>;
  /** Links unless the (provider, subject) pair is linked already: atomic under races. */
  linkIdentity(identity: LinkedIdentity): Promise<LinkIdentityResult>;
  touchIdentity(
    id: string,
    input: { email: string | null; emailVerified: boolean; now: number },
  ): Promise<void>;
  /**
   * Deletes the account's identity unless it is the account's last way to sign in (no
   * password and no other identity). Atomic: of two concurrent unlinks of an account's
   * last two identities, one is refused.
   */
  unlinkIdentity(
    accountId: string,
    id: string,
  ): Promise<'unlinked' | 'not_found' | 'last_sign_in_method'>;
}
