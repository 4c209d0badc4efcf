import type { Kysely } from 'kysely';
import type { MasterKeyRotation, MasterKeyStore, StoredDataKey } from '../../dataprotect/store.js';
import type { Database } from '../database-schema.js';
import { SqlDataKeyStore } from './sql-data-key-store.js';
import { isUniqueViolation } from './sql-errors.js';

type RotationRow = Database['master_key_rotations'];

function toRotation(r: RotationRow): MasterKeyRotation {
  return {
    id: r.id,
    toKeyId: r.to_key_id,
    fromKeyIds: JSON.parse(r.from_key_ids) as string[],
    status: r.status,
    total: Number(r.total),
    doneCount: Number(r.done_count),
    startedBy: r.started_by,
    startedAt: Number(r.started_at),
    heartbeatAt: Number(r.heartbeat_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  };
}

export class MasterKeyRotationRunningError extends Error {
  readonly code = 'master_key_rotation_running';
  constructor() {
    super('a master key rotation is already running');
  }
}

/** Master key rotation state and the re-sealing of data keys, on SQLite and PostgreSQL. */
export class SqlMasterKeyStore implements MasterKeyStore {
  readonly #db: Kysely<Database>;
  readonly #keys: SqlDataKeyStore;

  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.#keys = new SqlDataKeyStore(db);
  }

  listDataKeys(): Promise<StoredDataKey[]> {
    return this.#keys.listDataKeys();
  }

  async resealDataKey(id: string, expected: string, keySealed: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('data_keys')
      .set({ key_sealed: keySealed })
      .where('id', '=', id)
      .where('key_sealed', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async beginMasterRotation(rotation: MasterKeyRotation): Promise<void> {
    try {
      await this.#db
        .insertInto('master_key_rotations')
        .values({
          id: rotation.id,
          to_key_id: rotation.toKeyId,
          from_key_ids: JSON.stringify(rotation.fromKeyIds),
          status: 'running',
          total: rotation.total,
          done_count: rotation.doneCount,
          started_by: rotation.startedBy,
          started_at: rotation.startedAt,
          heartbeat_at: rotation.heartbeatAt,
          finished_at: null,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new MasterKeyRotationRunningError();
      throw error;
    }
  }

  async runningMasterRotation(): Promise<MasterKeyRotation | undefined> {
    const row = await this.#db
      .selectFrom('master_key_rotations')
      .selectAll()
      .where('status', '=', 'running')
      .executeTakeFirst();
    return row ? toRotation(row) : undefined;
  }

  async latestMasterRotation(): Promise<MasterKeyRotation | undefined> {
    const row = await this.#db
      .selectFrom('master_key_rotations')
      .selectAll()
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toRotation(row) : undefined;
  }

  async saveMasterRotationProgress(
    id: string,
    progress: { doneCount: number; total: number; toKeyId: string; fromKeyIds: string[] },
    now: number,
  ): Promise<void> {
    await this.#db
      .updateTable('master_key_rotations')
      .set({
        done_count: progress.doneCount,
        total: progress.total,
        to_key_id: progress.toKeyId,
        from_key_ids: JSON.stringify(progress.fromKeyIds),
        heartbeat_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  async finishMasterRotation(id: string, now: number): Promise<void> {
    await this.#db
      .updateTable('master_key_rotations')
      .set({ status: 'done', finished_at: now, heartbeat_at: now })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .execute();
  }
}
