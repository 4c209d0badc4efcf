import type { Kysely } from 'kysely';
import type {
  ConsentRecord,
  ConsentStore,
  ErasureInput,
  PersonalDataStore,
} from '../../dataprotect/store.js';
import type { Database } from '../database-schema.js';

/** Consent records and account erasure on SQLite and PostgreSQL. */
export class SqlPersonalDataStore implements ConsentStore, PersonalDataStore {
  constructor(private readonly db: Kysely<Database>) {}

  async addConsent(r: ConsentRecord): Promise<void> {
    await this.db
      .insertInto('consent_records')
      .values({
        id: r.id,
        account_id: r.accountId,
        purpose: r.purpose,
        granted: r.granted ? 1 : 0,
        time: r.time,
        ip: r.ip,
        user_agent: r.userAgent,
      })
      .execute();
  }

  async consentHistory(accountId: string): Promise<ConsentRecord[]> {
    const rows = await this.db
      .selectFrom('consent_records')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('time')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      accountId: r.account_id,
      purpose: r.purpose,
      granted: Number(r.granted) === 1,
      time: Number(r.time),
      ip: r.ip,
      userAgent: r.user_agent,
    }));
  }

  async eraseAccount({ accountId, anonymisedEmail, now }: ErasureInput): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('accounts')
        .set({
          email: anonymisedEmail,
          name: null,
          password_hash: null,
          status: 'disabled',
          // Erased is not locked: no unlock may bring the account back.
          disabled_at: null,
          disabled_by: null,
          disabled_reason: null,
          disabled_until: null,
          updated_at: now,
        })
        .where('id', '=', accountId)
        .execute();
      await trx.deleteFrom('account_roles').where('account_id', '=', accountId).execute();
      await trx
        .updateTable('sessions')
        .set({
          ip: null,
          user_agent: null,
          browser: null,
          os: null,
          device: null,
          revoked_at: now,
          revoked_reason: 'account_erased',
        })
        .where('account_id', '=', accountId)
        .where('revoked_at', 'is', null)
        .execute();
      await trx
        .updateTable('sessions')
        .set({ ip: null, user_agent: null, browser: null, os: null, device: null })
        .where('account_id', '=', accountId)
        .execute();
      await trx.deleteFrom('refresh_tokens').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('mfa_recovery_codes').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('mfa_totp').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('password_reset_tokens').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('consent_records').where('account_id', '=', accountId).execute();
      // Provider identities carry the provider's email and subject: personal data too.
      await trx.deleteFrom('oauth_identities').where('account_id', '=', accountId).execute();
      await trx
        .updateTable('api_keys')
        .set({ last_used_ip: null })
        .where('owner_kind', '=', 'user')
        .where('owner_id', '=', accountId)
        .execute();
      await trx
        .updateTable('invites')
        .set({ email: null })
        .where('used_by', '=', accountId)
        .execute();
    });
  }
}
