import type { Kysely } from 'kysely';

/**
 * Social login: providers added through the admin API (client secrets sealed) and the
 * identities linked to accounts. Short-lived login state (state, PKCE verifier, nonce,
 * one-time codes) lives in the hot store, so it works across nodes with Redis.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_providers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_sealed', 'text', (c) => c.notNull())
    // JSON array, or null for the type's defaults.
    .addColumn('scopes', 'text')
    .addColumn('issuer', 'text')
    .addColumn('base_url', 'text')
    .addColumn('api_url', 'text')
    .addColumn('callback_url', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('oauth_identities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) =>
      c.notNull().references('accounts.id').onDelete('cascade'),
    )
    // Not a foreign key: providers from the config file have no row.
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('email_verified', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_login_at', 'bigint')
    .addUniqueConstraint('oauth_identities_subject_uq', ['provider_id', 'subject'])
    .execute();
  await db.schema
    .createIndex('oauth_identities_account_idx')
    .on('oauth_identities')
    .column('account_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oauth_identities').ifExists().execute();
  await db.schema.dropTable('oauth_providers').ifExists().execute();
}
