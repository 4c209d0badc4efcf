import { type Kysely, sql } from 'kysely';

/**
 * One unused password-reset link per account: a new request already replaced the unused
 * ones, so that only the newest link works; the partial unique index makes that hold when
 * two requests for one account arrive at once (on PostgreSQL each transaction's delete
 * could not see the other's insert, and both links stayed valid).
 *
 * Databases that already hold several unused links for one account keep the newest.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    delete from password_reset_tokens
    where used_at is null and exists (
      select 1 from password_reset_tokens newer
      where newer.account_id = password_reset_tokens.account_id
        and newer.used_at is null
        and (newer.created_at > password_reset_tokens.created_at
          or (newer.created_at = password_reset_tokens.created_at
            and newer.id > password_reset_tokens.id))
    )`.execute(db);
  await db.schema
    .createIndex('password_reset_tokens_one_unused_per_account')
    .on('password_reset_tokens')
    .column('account_id')
    .unique()
    .where(sql.ref('used_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('password_reset_tokens_one_unused_per_account').ifExists().execute();
}
