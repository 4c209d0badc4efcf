import type { Kysely } from 'kysely';
import type { MfaStore, PasswordResetStore, TotpRecord } from '../../identity/mfa-store.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import type { Database } from '../database-schema.js';
import { retryOnUniqueViolation } from './sql-errors.js';

export class SqlMfaStore implements MfaStore {
  constructor(private readonly db: Kysely<Database>) {}

  async getTotp(accountId: string): Promise<TotpRecord | undefined> {
    const r = await this.db
      .selectFrom('mfa_totp')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!r) return undefined;
    return {
      accountId: r.account_id,
      secretSealed: r.secret_sealed,
      createdAt: r.created_at,
      enabledAt: r.enabled_at,
      lastUsedStep: r.last_used_step,
    };
  }

  async savePendingTotp(accountId: string, secretSealed: string, now: number): Promise<boolean> {
    // One statement, not read-then-write: two concurrent starts (a double-clicked setup)
    // would otherwise both insert and one would fail on the primary key.
    const r = await this.db
      .insertInto('mfa_totp')
      .values({
        account_id: accountId,
        secret_sealed: secretSealed,
        created_at: now,
        enabled_at: null,
        last_used_step: null,
      })
      .onConflict((oc) =>
        oc
          .column('account_id')
          .doUpdateSet({ secret_sealed: secretSealed, created_at: now, last_used_step: null })
          .where('mfa_totp.enabled_at', 'is', null),
      )
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async enableTotp(
    accountId: string,
    step: number,
    recoveryCodeHashes: string[],
    now: number,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const enabled = await trx
        .updateTable('mfa_totp')
        .set({ enabled_at: now, last_used_step: step })
        .where('account_id', '=', accountId)
        .where('enabled_at', 'is', null)
        .executeTakeFirst();
      if (Number(enabled.numUpdatedRows) !== 1) return false;
      await trx.deleteFrom('mfa_recovery_codes').where('account_id', '=', accountId).execute();
      if (recoveryCodeHashes.length > 0) {
        await trx
          .insertInto('mfa_recovery_codes')
          .values(
            recoveryCodeHashes.map((h) => ({
              id: uuidv7(now),
              account_id: accountId,
              code_hash: h,
              created_at: now,
              used_at: null,
            })),
          )
          .execute();
      }
      return true;
    });
  }

  async useTotpStep(accountId: string, step: number): Promise<boolean> {
    const r = await this.db
      .updateTable('mfa_totp')
      .set({ last_used_step: step })
      .where('account_id', '=', accountId)
      .where('enabled_at', 'is not', null)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async deleteTotp(accountId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('mfa_recovery_codes').where('account_id', '=', accountId).execute();
      await trx.deleteFrom('mfa_totp').where('account_id', '=', accountId).execute();
    });
  }

  async useRecoveryCode(accountId: string, codeHash: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('mfa_recovery_codes')
      .set({ used_at: now })
      .where('account_id', '=', accountId)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async countUnusedRecoveryCodes(accountId: string): Promise<number> {
    const r = await this.db
      .selectFrom('mfa_recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async replaceRecoveryCodes(accountId: string, codeHashes: string[], now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('mfa_recovery_codes').where('account_id', '=', accountId).execute();
      if (codeHashes.length > 0) {
        await trx
          .insertInto('mfa_recovery_codes')
          .values(
            codeHashes.map((h) => ({
              id: uuidv7(now),
              account_id: accountId,
              code_hash: h,
              created_at: now,
              used_at: null,
            })),
          )
          .execute();
      }
    });
  }
}

export class SqlPasswordResetStore implements PasswordResetStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createResetToken(t: {
    id: string;
    tokenHash: string;
    accountId: string;
    createdAt: number;
    expiresAt: number;
  }): Promise<void> {
    // Another link for the account stored at the same moment: the index holds one unused
    // link per account, and the next run replaces that one (only the newest link works).
    await retryOnUniqueViolation(() => this.#replaceResetToken(t));
  }

  #replaceResetToken(t: Parameters<PasswordResetStore['createResetToken']>[0]): Promise<void> {
    return this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('password_reset_tokens')
        .where('account_id', '=', t.accountId)
        .where('used_at', 'is', null)
        .execute();
      await trx
        .insertInto('password_reset_tokens')
        .values({
          id: t.id,
          token_hash: t.tokenHash,
          account_id: t.accountId,
          created_at: t.createdAt,
          expires_at: t.expiresAt,
          used_at: null,
        })
        .execute();
    });
  }

  async findValidResetToken(tokenHash: string, now: number): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('password_reset_tokens')
      .select('account_id')
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row?.account_id;
  }

  async consumeResetToken(tokenHash: string, now: number): Promise<string | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('password_reset_tokens')
        .select(['id', 'account_id'])
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (!row) return undefined;
      const spent = await trx
        .updateTable('password_reset_tokens')
        .set({ used_at: now })
        .where('id', '=', row.id)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(spent.numUpdatedRows) === 1 ? row.account_id : undefined;
    });
  }
}
