import type { Kysely, Selectable } from 'kysely';
import type {
  LinkedIdentity,
  LinkIdentityResult,
  OAuthStore,
  StoredOAuthProvider,
} from '../../identity/oauth/store.js';
import type { DatabaseDialect } from '../database.js';
import type { Database, OAuthIdentitiesTable, OAuthProvidersTable } from '../database-schema.js';
import { isUniqueViolation } from './sql-errors.js';

function providerOf(r: Selectable<OAuthProvidersTable>): StoredOAuthProvider {
  return {
    id: r.id,
    type: r.type,
    name: r.name,
    clientId: r.client_id,
    clientSecretSealed: r.client_secret_sealed,
    scopes: r.scopes === null ? null : (JSON.parse(r.scopes) as string[]),
    issuer: r.issuer,
    baseUrl: r.base_url,
    apiUrl: r.api_url,
    callbackUrl: r.callback_url,
    enabled: Number(r.enabled) === 1,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function rowOf(p: StoredOAuthProvider): Selectable<OAuthProvidersTable> {
  return {
    id: p.id,
    type: p.type,
    name: p.name,
    client_id: p.clientId,
    client_secret_sealed: p.clientSecretSealed,
    scopes: p.scopes === null ? null : JSON.stringify(p.scopes),
    issuer: p.issuer,
    base_url: p.baseUrl,
    api_url: p.apiUrl,
    callback_url: p.callbackUrl,
    enabled: p.enabled ? 1 : 0,
    created_by: p.createdBy,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

function identityOf(r: Selectable<OAuthIdentitiesTable>): LinkedIdentity {
  return {
    id: r.id,
    accountId: r.account_id,
    providerId: r.provider_id,
    subject: r.subject,
    email: r.email,
    emailVerified: Number(r.email_verified) === 1,
    createdAt: r.created_at,
    lastLoginAt: r.last_login_at,
  };
}

/** Social-login providers and linked identities over SQLite or PostgreSQL. */
export class SqlOAuthStore implements OAuthStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DatabaseDialect = 'sqlite',
  ) {}

  async listProviders(): Promise<StoredOAuthProvider[]> {
    const rows = await this.db.selectFrom('oauth_providers').selectAll().orderBy('id').execute();
    return rows.map(providerOf);
  }

  async findProvider(id: string): Promise<StoredOAuthProvider | undefined> {
    const row = await this.db
      .selectFrom('oauth_providers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? providerOf(row) : undefined;
  }

  async createProvider(provider: StoredOAuthProvider): Promise<boolean> {
    try {
      await this.db.insertInto('oauth_providers').values(rowOf(provider)).execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async updateProvider(provider: StoredOAuthProvider): Promise<boolean> {
    const { id, created_at: _c, created_by: _b, ...changes } = rowOf(provider);
    const result = await this.db
      .updateTable('oauth_providers')
      .set(changes)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async deleteProvider(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('oauth_identities').where('provider_id', '=', id).execute();
      const result = await trx
        .deleteFrom('oauth_providers')
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    });
  }

  async countSoleSignInAccounts(providerId: string): Promise<number> {
    const row = await this.db
      .selectFrom('oauth_identities as i')
      .innerJoin('accounts as a', 'a.id', 'i.account_id')
      .select((eb) => eb.fn.count<number>('i.account_id').distinct().as('n'))
      .where('i.provider_id', '=', providerId)
      .where('a.password_hash', 'is', null)
      .where('a.status', '=', 'active')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('oauth_identities as j')
              .select('j.id')
              .whereRef('j.account_id', '=', 'i.account_id')
              .where('j.provider_id', '<>', providerId),
          ),
        ),
      )
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async countIdentities(accountId: string): Promise<number> {
    const row = await this.db
      .selectFrom('oauth_identities')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async findIdentity(providerId: string, subject: string): Promise<LinkedIdentity | undefined> {
    const row = await this.db
      .selectFrom('oauth_identities')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('subject', '=', subject)
      .executeTakeFirst();
    return row ? identityOf(row) : undefined;
  }

  async listIdentities(accountId: string): Promise<LinkedIdentity[]> {
    const rows = await this.db
      .selectFrom('oauth_identities')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(identityOf);
  }

  async linkIdentity(identity: LinkedIdentity): Promise<LinkIdentityResult> {
    try {
      await this.db
        .insertInto('oauth_identities')
        .values({
          id: identity.id,
          account_id: identity.accountId,
          provider_id: identity.providerId,
          subject: identity.subject,
          email: identity.email,
          email_verified: identity.emailVerified ? 1 : 0,
          created_at: identity.createdAt,
          last_login_at: identity.lastLoginAt,
        })
        .execute();
      return { status: 'linked', identity };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.findIdentity(identity.providerId, identity.subject);
      if (!existing) throw error;
      return { status: 'taken', identity: existing };
    }
  }

  async touchIdentity(
    id: string,
    input: { email: string | null; emailVerified: boolean; now: number },
  ): Promise<void> {
    await this.db
      .updateTable('oauth_identities')
      .set({
        email: input.email,
        email_verified: input.emailVerified ? 1 : 0,
        last_login_at: input.now,
      })
      .where('id', '=', id)
      .execute();
  }

  async unlinkIdentity(
    accountId: string,
    id: string,
  ): Promise<'unlinked' | 'not_found' | 'last_sign_in_method'> {
    return this.db.transaction().execute(async (trx) => {
      // PostgreSQL: lock the account row so concurrent unlinks of one account take turns.
      // SQLite: a write transaction already runs alone.
      let account = trx.selectFrom('accounts').select('password_hash').where('id', '=', accountId);
      if (this.dialect === 'postgres') account = account.forUpdate();
      const owner = await account.executeTakeFirst();
      if (!owner) return 'not_found';
      const identities = await trx
        .selectFrom('oauth_identities')
        .select('id')
        .where('account_id', '=', accountId)
        .execute();
      if (!identities.some((i) => i.id === id)) return 'not_found';
      if (owner.password_hash === null && identities.length <= 1) return 'last_sign_in_method';
      await trx.deleteFrom('oauth_identities').where('id', '=', id).execute();
      return 'unlinked';
    });
  }
}
