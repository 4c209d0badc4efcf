import type { Kysely } from 'kysely';

/**
 * An administrator's lock is durable: the account is `disabled` with who locked it, why,
 * when and until when, so a restart (or a lost hot store) does not lift it. An account
 * disabled without `disabled_at` (an erased one) is not an administrator's lock.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('disabled_at', 'bigint').execute();
  await db.schema.alterTable('accounts').addColumn('disabled_by', 'text').execute();
  await db.schema.alterTable('accounts').addColumn('disabled_reason', 'text').execute();
  await db.schema.alterTable('accounts').addColumn('disabled_until', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['disabled_until', 'disabled_reason', 'disabled_by', 'disabled_at'])
    await db.schema.alterTable('accounts').dropColumn(column).execute();
}
