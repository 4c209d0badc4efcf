import { type Kysely, sql } from 'kysely';

/**
 * One unused invite per email: a new invite for an address replaces its unused ones, as a
 * new password-reset link does, so an administrator who re-invites someone (the first
 * token lost, or sent to the wrong place) knows the earlier token is dead. The partial
 * unique index makes that hold when two invites for one address are created at once.
 * Invites without an email are not affected (NULLs are distinct in a unique index).
 *
 * Databases that already hold several unused invites for one email keep the newest.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    delete from invites
    where used_at is null and email is not null and exists (
      select 1 from invites newer
      where newer.email = invites.email
        and newer.used_at is null
        and (newer.created_at > invites.created_at
          or (newer.created_at = invites.created_at and newer.id > invites.id))
    )`.execute(db);
  await db.schema
    .createIndex('invites_one_unused_per_email')
    .on('invites')
    .column('email')
    .unique()
    .where(sql.ref('used_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('invites_one_unused_per_email').ifExists().execute();
}
