import type { Kysely } from 'kysely';
import type { RoleName } from '../../config/schema.js';
import type { BootstrapTokenStore, InviteRecord, InviteStore } from '../../identity/store.js';
import type { Database } from '../database-schema.js';
import { isUniqueViolation } from './sql-errors.js';

/**
 * Tries at creating an invite while others for the same email are created at once. Each
 * refused try means another invite went in, so N invites at once need at most N tries.
 */
const maxAttempts = 32;

export class SqlInviteStore implements InviteStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createInvite(invite: InviteRecord & { tokenHash: string }): Promise<{ replaced: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
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
      } catch (error) {
        // On PostgreSQL, an invite for the same email created at the same moment is not
        // visible to the delete; the index then refuses this insert once the other commits.
        // Run again, the delete sees that invite and replaces it.
        if (invite.email !== null && attempt < maxAttempts && isUniqueViolation(error)) continue;
        throw error;
      }
    }
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
