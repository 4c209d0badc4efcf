import type { Kysely } from 'kysely';
import type { RoleName } from '../../config/schema.js';
import type { BootstrapTokenStore, InviteRecord, InviteStore } from '../../identity/store.js';
import type { Database } from '../database-schema.js';
import { retryOnUniqueViolation } from './sql-errors.js';

export class SqlInviteStore implements InviteStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createInvite(invite: InviteRecord & { tokenHash: string }): Promise<{ replaced: number }> {
    const create = () =>
      this.db.transaction().execute(async (trx) => {
        let replaced = 0;
        if (invite.email !== null) {
          const deleted = await trx
            .deleteFrom('invites')
            .where('email', '=', invite.email)
            .where('used_at', 'is', null)
            .executeTakeFirst();
          replaced = Number(deleted.numDeletedRows);
        }
        await trx
          .insertInto('invites')
          .values({
            id: invite.id,
            token_hash: invite.tokenHash,
            email: invite.email,
            roles: JSON.stringify(invite.roles),
            created_by: invite.createdBy,
            created_at: invite.createdAt,
            expires_at: invite.expiresAt,
            used_at: null,
            used_by: null,
          })
          .execute();
        return { replaced };
      });
    // An invite for the same email created at the same moment (the index holds one unused
    // invite per email; an invite without an email is never refused by it).
    return invite.email === null ? create() : retryOnUniqueViolation(create);
  }

  async listInvites(options: { includeUsed: boolean; now: number }): Promise<InviteRecord[]> {
    let query = this.db
      .selectFrom('invites')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc');
    if (!options.includeUsed)
      query = query.where('used_at', 'is', null).where('expires_at', '>', options.now);
    const rows = await query.execute();
    return rows.map((r) => ({
      id: r.id,
      email: r.email,
      roles: JSON.parse(r.roles) as RoleName[],
      createdBy: r.created_by,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      usedAt: r.used_at,
      usedBy: r.used_by,
    }));
  }

  async revokeInvite(id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('invites')
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}

export class SqlBootstrapTokenStore implements BootstrapTokenStore {
  constructor(private readonly db: Kysely<Database>) {}

  async replaceBootstrapToken(token: {
    id: string;
    tokenHash: string;
    createdAt: number;
    expiresAt: number;
  }): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('bootstrap_tokens').where('used_at', 'is', null).execute();
      await trx
        .insertInto('bootstrap_tokens')
        .values({
          id: token.id,
          token_hash: token.tokenHash,
          created_at: token.createdAt,
          expires_at: token.expiresAt,
          used_at: null,
        })
        .execute();
    });
  }
}
