import { type Kysely, sql } from 'kysely';
import type {
  DataKeyRotation,
  DataKeyStore,
  EncryptedField,
  EncryptedFieldStore,
  SealedReplacement,
  SealedValue,
  StoredDataKey,
} from '../../dataprotect/store.js';
import type { Database } from '../database-schema.js';
import { isUniqueViolation } from './sql-errors.js';

type KeyRow = Database['data_keys'];
type RotationRow = Database['data_key_rotations'];

function toKey(r: KeyRow): StoredDataKey {
  return {
    id: r.id,
    keySealed: r.key_sealed,
    status: r.status,
    createdAt: Number(r.created_at),
    retiredAt: r.retired_at === null ? null : Number(r.retired_at),
  };
}

function toRotation(r: RotationRow): DataKeyRotation {
  return {
    id: r.id,
    keyId: r.key_id,
    status: r.status,
    progress: JSON.parse(r.progress) as DataKeyRotation['progress'],
    total: Number(r.total),
    doneCount: Number(r.done_count),
    startedBy: r.started_by,
    startedAt: Number(r.started_at),
    heartbeatAt: Number(r.heartbeat_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    retiredKeys: r.retired_keys ? (JSON.parse(r.retired_keys) as string[]) : [],
  };
}

function keyRow(k: StoredDataKey): KeyRow {
  return {
    id: k.id,
    key_sealed: k.keySealed,
    status: k.status,
    created_at: k.createdAt,
    retired_at: k.retiredAt,
  };
}

export class DataKeyRotationRunningError extends Error {
  readonly code = 'data_key_rotation_running';
  constructor() {
    super('a data key rotation is already running');
  }
}

/**
 * The data key ring, rotation state and the sealed columns, on SQLite and PostgreSQL.
 * Table and column names of encrypted fields come from the fixed registry in
 * dataprotect/core/encrypted-fields.ts, never from input; they are still quoted as
 * identifiers.
 */
export class SqlDataKeyStore implements DataKeyStore, EncryptedFieldStore {
  constructor(private readonly db: Kysely<Database>) {}

  async listDataKeys(): Promise<StoredDataKey[]> {
    const rows = await this.db.selectFrom('data_keys').selectAll().orderBy('created_at').execute();
    return rows.map(toKey);
  }

  async createFirstDataKey(key: StoredDataKey): Promise<boolean> {
    try {
      await this.db.insertInto('data_keys').values(keyRow(key)).execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async beginRotation(key: StoredDataKey, rotation: DataKeyRotation): Promise<void> {
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('data_keys')
          .set({ status: 'active' })
          .where('status', '=', 'primary')
          .execute();
        await trx.insertInto('data_keys').values(keyRow(key)).execute();
        await trx
          .insertInto('data_key_rotations')
          .values({
            id: rotation.id,
            key_id: rotation.keyId,
            status: 'running',
            progress: JSON.stringify(rotation.progress),
            total: rotation.total,
            done_count: rotation.doneCount,
            started_by: rotation.startedBy,
            started_at: rotation.startedAt,
            heartbeat_at: rotation.heartbeatAt,
            finished_at: null,
            retired_keys: null,
          })
          .execute();
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new DataKeyRotationRunningError();
      throw error;
    }
  }

  async runningRotation(): Promise<DataKeyRotation | undefined> {
    const row = await this.db
      .selectFrom('data_key_rotations')
      .selectAll()
      .where('status', '=', 'running')
      .executeTakeFirst();
    return row ? toRotation(row) : undefined;
  }

  async latestRotation(): Promise<DataKeyRotation | undefined> {
    const row = await this.db
      .selectFrom('data_key_rotations')
      .selectAll()
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toRotation(row) : undefined;
  }

  async saveRotationProgress(
    id: string,
    progress: DataKeyRotation['progress'],
    doneCount: number,
    now: number,
  ): Promise<void> {
    await this.db
      .updateTable('data_key_rotations')
      .set({ progress: JSON.stringify(progress), done_count: doneCount, heartbeat_at: now })
      .where('id', '=', id)
      .execute();
  }

  async finishRotation(id: string, retired: string[], now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (retired.length > 0) {
        await trx
          .updateTable('data_keys')
          .set({ status: 'retired', retired_at: now })
          .where('id', 'in', retired)
          .where('status', '=', 'active')
          .execute();
      }
      await trx
        .updateTable('data_key_rotations')
        .set({
          status: 'done',
          finished_at: now,
          heartbeat_at: now,
          retired_keys: JSON.stringify(retired),
        })
        .where('id', '=', id)
        .execute();
    });
  }

  async countSealed(field: EncryptedField): Promise<number> {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(
      field.table,
    )} where ${sql.ref(field.column)} is not null`.execute(this.db);
    return Number(rows[0]?.n ?? 0);
  }

  async readSealed(field: EncryptedField, afterId: string, limit: number): Promise<SealedValue[]> {
    const { rows } = await sql<SealedValue>`select ${sql.ref(field.idColumn)} as id, ${sql.ref(
      field.column,
    )} as value from ${sql.table(field.table)} where ${sql.ref(field.column)} is not null and ${sql.ref(
      field.idColumn,
    )} > ${afterId} order by ${sql.ref(field.idColumn)} limit ${limit}`.execute(this.db);
    return rows.map((r) => ({ id: String(r.id), value: String(r.value) }));
  }

  async replaceSealed(
    field: EncryptedField,
    updates: readonly SealedReplacement[],
  ): Promise<number> {
    if (updates.length === 0) return 0;
    // One transaction per batch: one commit (one fsync) instead of one per row.
    return this.db.transaction().execute(async (trx) => {
      let replaced = 0;
      for (const u of updates) {
        const result =
          await sql`update ${sql.table(field.table)} set ${sql.ref(field.column)} = ${u.value} where ${sql.ref(
            field.idColumn,
          )} = ${u.id} and ${sql.ref(field.column)} = ${u.expected}`.execute(trx);
        replaced += Number(result.numAffectedRows ?? 0);
      }
      return replaced;
    });
  }

  async countWithPrefix(field: EncryptedField, prefix: string): Promise<number> {
    // substr rather than LIKE: key ids are base64url and may hold `_`, a LIKE wildcard.
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(
      field.table,
    )} where substr(${sql.ref(field.column)}, 1, ${prefix.length}) = ${prefix}`.execute(this.db);
    return Number(rows[0]?.n ?? 0);
  }
}
