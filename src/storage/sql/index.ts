import type { Kysely } from 'kysely';
import type { IdentityStores } from '../../identity/store.js';
import type { Database } from '../database-schema.js';
import { SqlAccountStore } from './sql-account-store.js';
import { SqlBootstrapTokenStore, SqlInviteStore } from './sql-invite-store.js';
import { SqlMfaStore, SqlPasswordResetStore } from './sql-mfa-store.js';
import { SqlSessionStore } from './sql-session-store.js';
import { SqlSigningKeyStore } from './sql-signing-key-store.js';

/** The identity ports over one Kysely instance (SQLite or PostgreSQL). */
export function createSqlIdentityStores(db: Kysely<Database>): IdentityStores {
  return {
    accounts: new SqlAccountStore(db),
    invites: new SqlInviteStore(db),
    bootstrapTokens: new SqlBootstrapTokenStore(db),
    signingKeys: new SqlSigningKeyStore(db),
    sessions: new SqlSessionStore(db),
    mfa: new SqlMfaStore(db),
    passwordResets: new SqlPasswordResetStore(db),
  };
}
