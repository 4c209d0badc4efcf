import type { Kysely, Transaction } from 'kysely';
import type { RoleName } from '../../config/schema.js';
import type {
  Account,
  AccountClaim,
  CreateAccountResult,
  InviteRecord,
  NewAccount,
} from '../../identity/store.js';
import type { Database } from '../database-schema.js';
import { isUniqueViolation } from './sql-errors.js';

class ClaimInvalid extends Error {}
class EmailTaken extends Error {}

/**
 * Creates an account in one transaction with what entitles it: a bootstrap token (only
 * while no administrator exists) or an invite, spent by a conditional UPDATE so that of
 * two concurrent registrations with one claim exactly one succeeds. The invite's roles
 * are added to the account's. A taken email or a spent, expired or mismatched claim
 * leaves nothing written and is answered as a status, not thrown.
 *
 * @example
 * const result = await insertAccount(db, { id, email, name, passwordHash, roles: [], now },
 *   { kind: 'invite', tokenHash, now });
 * if (result.status === 'claim_invalid') throw new RampartError(identityErrors.invite_invalid);
 */
export async function insertAccount(
  db: Kysely<Database>,
  input: NewAccount,
  claim?: AccountClaim,
): Promise<CreateAccountResult> {
  try {
    return await db.transaction().execute(async (trx) => {
      const invite = claim ? await consumeClaim(trx, claim, input) : undefined;
      try {
        await trx
          .insertInto('accounts')
          .values({
            id: input.id,
            email: input.email,
            name: input.name,
            password_hash: input.passwordHash,
            status: 'active',
            created_at: input.now,
            updated_at: input.now,
            password_changed_at: input.passwordHash === null ? null : input.now,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new EmailTaken();
        throw error;
      }
      // Sorted, as every read returns them (SqlAccountStore orders them by role).
      const roles = [...new Set([...input.roles, ...(invite?.roles ?? [])])].sort();
      if (roles.length > 0) {
        await trx
          .insertInto('account_roles')
          .values(roles.map((role) => ({ account_id: input.id, role, granted_at: input.now })))
          .execute();
      }
      const account: Account = {
        id: input.id,
        email: input.email,
        name: input.name,
        roles,
        status: 'active',
        createdAt: input.now,
        updatedAt: input.now,
      };
      return invite
        ? { status: 'created' as const, account, invite }
        : { status: 'created' as const, account };
    });
  } catch (error) {
    if (error instanceof EmailTaken) return { status: 'email_taken' };
    if (error instanceof ClaimInvalid) return { status: 'claim_invalid' };
    throw error;
  }
}

async function consumeClaim(
  trx: Transaction<Database>,
  claim: AccountClaim,
  input: NewAccount,
): Promise<InviteRecord | undefined> {
  if (claim.kind === 'bootstrap') {
    const admins = await trx
      .selectFrom('account_roles')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'ADMIN')
      .executeTakeFirstOrThrow();
    if (Number(admins.n) > 0) throw new ClaimInvalid();
    const used = await trx
      .updateTable('bootstrap_tokens')
      .set({ used_at: claim.now })
      .where('token_hash', '=', claim.tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', claim.now)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) throw new ClaimInvalid();
    return undefined;
  }
  // The conditional UPDATE is the atomic check-and-spend: of two concurrent
  // registrations with one invite, exactly one updates a row.
  const row = await trx
    .selectFrom('invites')
    .selectAll()
    .where('token_hash', '=', claim.tokenHash)
    .executeTakeFirst();
  if (!row || row.used_at !== null || row.expires_at <= claim.now) throw new ClaimInvalid();
  if (row.email !== null && row.email !== input.email) throw new ClaimInvalid();
  const used = await trx
    .updateTable('invites')
    .set({ used_at: claim.now, used_by: input.id })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) throw new ClaimInvalid();
  return {
    id: row.id,
    email: row.email,
    roles: JSON.parse(row.roles) as RoleName[],
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: claim.now,
    usedBy: input.id,
  };
}
