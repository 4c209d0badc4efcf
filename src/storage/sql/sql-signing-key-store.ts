import type { Kysely } from 'kysely';
import type { SigningKeyStore, StoredSigningKey } from '../../identity/store.js';
import type { Database } from '../database-schema.js';

export class SqlSigningKeyStore implements SigningKeyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async listUsableSigningKeys(now: number): Promise<StoredSigningKey[]> {
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('verify_until', 'is', null), eb('verify_until', '>', now)]))
      .orderBy('created_at', 'desc')
      .orderBy('kid', 'desc')
      .execute();
    const keys = rows.map((r) => ({
      kid: r.kid,
      algorithm: r.algorithm,
      publicJwk: r.public_jwk,
      sealedPrivateKey: r.private_key_sealed,
      createdAt: r.created_at,
      retiredAt: r.retired_at,
      verifyUntil: r.verify_until,
    }));
    // Current keys (never retired) first, newest first.
    return [
      ...keys.filter((k) => k.retiredAt === null),
      ...keys.filter((k) => k.retiredAt !== null),
    ];
  }

  async addCurrentSigningKey(key: StoredSigningKey, retiredVerifyUntil: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const retired = await trx
        .updateTable('signing_keys')
        .set({ retired_at: key.createdAt, verify_until: retiredVerifyUntil })
        .where('retired_at', 'is', null)
        .returning('kid')
        .execute();
      await trx
        .insertInto('signing_keys')
        .values({
          kid: key.kid,
          algorithm: key.algorithm,
          public_jwk: key.publicJwk,
          private_key_sealed: key.sealedPrivateKey,
          created_at: key.createdAt,
          retired_at: null,
          verify_until: null,
        })
        .execute();
      return retired.map((r) => r.kid).sort();
    });
  }
}
