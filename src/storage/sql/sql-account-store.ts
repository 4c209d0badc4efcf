import { type Kysely, sql } from 'kysely';
import type { RoleName } from '../../config/schema.js';
import { statusAt } from '../../identity/core/admin-lock.js';
import type {
  Account,
  AccountClaim,
  AccountSearch,
  AccountStore,
  AccountWithCredentials,
  AdminLock,
  CreateAccountResult,
  NewAccount,
} from '../../identity/store.js';
import type { Database } from '../database-schema.js';
import { insertAccount } from './sql-account-creation.js';

type AccountRow = Database['accounts'];

const accountColumns = [
  'id',
  'email',
  'name',
  'status',
  'created_at',
  'updated_at',
  'disabled_at',
  'disabled_by',
  'disabled_reason',
  'disabled_until',
] as const;

function toAccount(
  row: Pick<AccountRow, (typeof accountColumns)[number]>,
  roles: RoleName[],
): Account {
  const lock: AdminLock | undefined =
    row.disabled_at === null || row.disabled_until === null
      ? undefined
      : {
          by: row.disabled_by ?? 'unknown',
          reason: row.disabled_reason,
          at: Number(row.disabled_at),
          until: Number(row.disabled_until),
        };
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    roles,
    ...statusAt(row.status, lock, Date.now()),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The account port over SQLite or PostgreSQL: accounts and their directly held roles.
 * Creation, with the invite or bootstrap token it spends, is sql-account-creation.ts.
 *
 * @example
 * const accounts = new SqlAccountStore(db);
 * const account = await accounts.findAccountById(id);
 */
export class SqlAccountStore implements AccountStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts an account, spending `claim` in the same transaction (see insertAccount). */
  createAccount(input: NewAccount, claim?: AccountClaim): Promise<CreateAccountResult> {
    return insertAccount(this.db, input, claim);
  }

  async #rolesOf(id: string): Promise<RoleName[]> {
    const rows = await this.db
      .selectFrom('account_roles')
      .select('role')
      .where('account_id', '=', id)
      .orderBy('role')
      .execute();
    return rows.map((r) => r.role as RoleName);
  }

  async findAccountByEmail(email: string): Promise<AccountWithCredentials | undefined> {
    return this.#findWithCredentials('email', email);
  }

  async findAccountWithCredentialsById(id: string): Promise<AccountWithCredentials | undefined> {
    return this.#findWithCredentials('id', id);
  }

  async #findWithCredentials(
    column: 'id' | 'email',
    value: string,
  ): Promise<AccountWithCredentials | undefined> {
    const row = await this.db
      .selectFrom('accounts')
      .selectAll()
      .where(column, '=', value)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      ...toAccount(row, await this.#rolesOf(row.id)),
      passwordHash: row.password_hash,
      passwordChangedAt: row.password_changed_at,
    };
  }

  async findAccountById(id: string): Promise<Account | undefined> {
    const row = await this.db
      .selectFrom('accounts')
      .select(accountColumns)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    return toAccount(row, await this.#rolesOf(row.id));
  }

  async updatePasswordHash(id: string, passwordHash: string, now: number): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set({ password_hash: passwordHash, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  async setPassword(id: string, passwordHash: string, now: number): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set({ password_hash: passwordHash, updated_at: now, password_changed_at: now })
      .where('id', '=', id)
      .execute();
  }

  async countActiveAccountsWithRole(role: RoleName): Promise<number> {
    const row = await this.db
      .selectFrom('account_roles')
      .innerJoin('accounts', 'accounts.id', 'account_roles.account_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_roles.role', '=', role)
      .where('accounts.status', '=', 'active')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async listActiveAccountIdsWithRole(role: RoleName): Promise<string[]> {
    const rows = await this.db
      .selectFrom('account_roles')
      .innerJoin('accounts', 'accounts.id', 'account_roles.account_id')
      .select('accounts.id')
      .where('account_roles.role', '=', role)
      .where('accounts.status', '=', 'active')
      .execute();
    return rows.map((r) => r.id);
  }

  async searchAccounts(search: AccountSearch): Promise<Account[]> {
    let q = this.db.selectFrom('accounts').select(accountColumns);
    if (search.query) {
      // `!` escapes LIKE's wildcards: the text is matched literally on both dialects.
      const pattern = `%${search.query.replace(/[!%_]/g, (c) => `!${c}`)}%`;
      q = q.where(sql<boolean>`${sql.ref('email')} like ${pattern} escape '!'`);
    }
    if (search.status) q = q.where('status', '=', search.status);
    if (search.after !== undefined) q = q.where('id', '>', search.after);
    const { role, orIds } = search;
    if (role !== undefined || orIds !== undefined) {
      const ids = orIds ?? [];
      q = q.where((eb) =>
        eb.or([
          ...(role !== undefined
            ? [
                eb.exists(
                  eb
                    .selectFrom('account_roles')
                    .select('account_roles.account_id')
                    .whereRef('account_roles.account_id', '=', 'accounts.id')
                    .where('account_roles.role', '=', role),
                ),
              ]
            : []),
          ...(ids.length > 0 ? [eb('id', 'in', [...ids])] : []),
          // Neither: nothing matches.
          ...(role === undefined && ids.length === 0 ? [sql<boolean>`1 = 0`] : []),
        ]),
      );
    }
    const rows = await q.orderBy('id').limit(search.limit).execute();
    if (rows.length === 0) return [];
    const roleRows = await this.db
      .selectFrom('account_roles')
      .select(['account_id', 'role'])
      .where(
        'account_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('role')
      .execute();
    const rolesById = new Map<string, RoleName[]>();
    for (const r of roleRows) {
      const list = rolesById.get(r.account_id) ?? [];
      list.push(r.role as RoleName);
      rolesById.set(r.account_id, list);
    }
    return rows.map((row) => toAccount(row, rolesById.get(row.id) ?? []));
  }

  async setAdminLock(id: string, lock: AdminLock, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('accounts')
      .set({
        status: 'disabled',
        disabled_at: lock.at,
        disabled_by: lock.by,
        disabled_reason: lock.reason,
        disabled_until: lock.until,
        updated_at: now,
      })
      .where('id', '=', id)
      // An erased account (disabled, never locked) stays as it is.
      .where((eb) => eb.or([eb('status', '=', 'active'), eb('disabled_at', 'is not', null)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async clearAdminLock(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('accounts')
      .set({
        status: 'active',
        disabled_at: null,
        disabled_by: null,
        disabled_reason: null,
        disabled_until: null,
        updated_at: now,
      })
      .where('id', '=', id)
      .where('disabled_at', 'is not', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async setRoles(id: string, roles: readonly RoleName[], now: number): Promise<void> {
    const unique = [...new Set(roles)].sort();
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('account_roles').where('account_id', '=', id).execute();
      if (unique.length > 0) {
        await trx
          .insertInto('account_roles')
          .values(unique.map((role) => ({ account_id: id, role, granted_at: now })))
          .execute();
      }
      await trx.updateTable('accounts').set({ updated_at: now }).where('id', '=', id).execute();
    });
  }
}
