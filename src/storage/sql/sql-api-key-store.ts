import type { Kysely } from 'kysely';
import type { RoleName } from '../../config/schema.js';
import type {
  ApiKeyOwnerKind,
  ApiKeyRecord,
  ApiKeyStore,
  ApiKeyWithOwner,
  ServiceAccountRecord,
  ServiceAccountStore,
} from '../../identity/api-key-store.js';
import type { Database } from '../database-schema.js';
import { isUniqueViolation } from './sql-errors.js';

type KeyRow = Database['api_keys'];
type ServiceAccountRow = Database['service_accounts'];

function toKey(r: KeyRow): ApiKeyRecord {
  return {
    id: r.id,
    ownerKind: r.owner_kind,
    ownerId: r.owner_id,
    name: r.name,
    keyHash: r.key_hash,
    signingSecretSealed: r.signing_secret_sealed,
    displayPrefix: r.display_prefix,
    scopes: JSON.parse(r.scopes) as string[],
    allowedCidrs: JSON.parse(r.allowed_cidrs) as string[],
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    revokedReason: r.revoked_reason,
    replacedBy: r.replaced_by,
    graceUntil: r.grace_until,
    lastUsedAt: r.last_used_at,
    lastUsedIp: r.last_used_ip,
    expiryNotifiedAt: r.expiry_notified_at,
  };
}

function keyRow(k: ApiKeyRecord): KeyRow {
  return {
    id: k.id,
    owner_kind: k.ownerKind,
    owner_id: k.ownerId,
    name: k.name,
    key_hash: k.keyHash,
    signing_secret_sealed: k.signingSecretSealed,
    display_prefix: k.displayPrefix,
    scopes: JSON.stringify(k.scopes),
    allowed_cidrs: JSON.stringify(k.allowedCidrs),
    created_by: k.createdBy,
    created_at: k.createdAt,
    expires_at: k.expiresAt,
    revoked_at: k.revokedAt,
    revoked_reason: k.revokedReason,
    replaced_by: k.replacedBy,
    grace_until: k.graceUntil,
    last_used_at: k.lastUsedAt,
    last_used_ip: k.lastUsedIp,
    expiry_notified_at: k.expiryNotifiedAt,
  };
}

function toServiceAccount(r: ServiceAccountRow): ServiceAccountRecord {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    roles: JSON.parse(r.roles) as RoleName[],
    createdBy: r.created_by,
    createdAt: r.created_at,
    disabledAt: r.disabled_at,
  };
}

class RotationLost extends Error {}

export class SqlApiKeyStore implements ApiKeyStore, ServiceAccountStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createKey(key: ApiKeyRecord): Promise<void> {
    await this.db.insertInto('api_keys').values(keyRow(key)).execute();
  }

  async findKeyByHash(keyHash: string): Promise<ApiKeyWithOwner | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('key_hash', '=', keyHash)
      .executeTakeFirst();
    if (!row) return undefined;
    const key = toKey(row);
    const serviceAccount =
      key.ownerKind === 'service_account' ? await this.findServiceAccount(key.ownerId) : undefined;
    return { key, serviceAccount };
  }

  async findKeyWithOwnerById(id: string): Promise<ApiKeyWithOwner | undefined> {
    const key = await this.findKeyById(id);
    if (!key) return undefined;
    const serviceAccount =
      key.ownerKind === 'service_account' ? await this.findServiceAccount(key.ownerId) : undefined;
    return { key, serviceAccount };
  }

  async findKeyById(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toKey(row) : undefined;
  }

  async listKeys(owner: { kind: ApiKeyOwnerKind; id: string }): Promise<ApiKeyRecord[]> {
    const rows = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('owner_kind', '=', owner.kind)
      .where('owner_id', '=', owner.id)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toKey);
  }

  async revokeKey(id: string, reason: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: now, revoked_reason: reason })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async rotateKey(
    oldId: string,
    replacement: ApiKeyRecord,
    graceUntil: number,
    now: number,
  ): Promise<boolean> {
    try {
      await this.db.transaction().execute(async (trx) => {
        // The conditional update is the race arbiter: of two concurrent rotations of one
        // key, only one finds it unreplaced.
        const result = await trx
          .updateTable('api_keys')
          .set({ replaced_by: replacement.id, grace_until: graceUntil })
          .where('id', '=', oldId)
          .where('revoked_at', 'is', null)
          .where('replaced_by', 'is', null)
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) throw new RotationLost();
        if (graceUntil <= now) {
          await trx
            .updateTable('api_keys')
            .set({ revoked_at: now, revoked_reason: 'rotated' })
            .where('id', '=', oldId)
            .execute();
        }
        await trx.insertInto('api_keys').values(keyRow(replacement)).execute();
      });
      return true;
    } catch (error) {
      if (error instanceof RotationLost) return false;
      throw error;
    }
  }

  async touchKey(id: string, at: number, ip: string): Promise<void> {
    await this.db
      .updateTable('api_keys')
      .set({ last_used_at: at, last_used_ip: ip })
      .where('id', '=', id)
      .execute();
  }

  async claimExpiringKeys(now: number, horizon: number): Promise<ApiKeyRecord[]> {
    const rows = await this.db
      .updateTable('api_keys')
      .set({ expiry_notified_at: now })
      .where('expiry_notified_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('replaced_by', 'is', null)
      .where('expires_at', '>', now)
      .where('expires_at', '<=', horizon)
      .returningAll()
      .execute();
    return rows.map(toKey);
  }

  async revokeKeysOf(
    owner: { kind: ApiKeyOwnerKind; id: string },
    reason: string,
    now: number,
  ): Promise<string[]> {
    const rows = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: now, revoked_reason: reason })
      .where('owner_kind', '=', owner.kind)
      .where('owner_id', '=', owner.id)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async createServiceAccount(account: ServiceAccountRecord): Promise<boolean> {
    try {
      await this.db
        .insertInto('service_accounts')
        .values({
          id: account.id,
          name: account.name,
          description: account.description,
          roles: JSON.stringify(account.roles),
          created_by: account.createdBy,
          created_at: account.createdAt,
          disabled_at: account.disabledAt,
        })
        .execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async findServiceAccount(id: string): Promise<ServiceAccountRecord | undefined> {
    const row = await this.db
      .selectFrom('service_accounts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toServiceAccount(row) : undefined;
  }

  async listServiceAccounts(): Promise<ServiceAccountRecord[]> {
    const rows = await this.db
      .selectFrom('service_accounts')
      .selectAll()
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map(toServiceAccount);
  }

  async disableServiceAccount(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('service_accounts')
      .set({ disabled_at: now })
      .where('id', '=', id)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
