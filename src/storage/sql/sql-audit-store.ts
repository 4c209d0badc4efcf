import type { Kysely, Transaction } from 'kysely';
import { type AuditEntry, type AuditRecord, chainEntries } from '../../audit/core/audit-record.js';
import type { AuditCheckpoint, CheckpointKind } from '../../audit/core/checkpoint-signer.js';
import type { AuditActivity, AuditQuery, AuditStore } from '../../audit/store.js';
import type { ActorKind, EventOutcome, EventSeverity } from '../../events/security-event.js';
import type { DatabaseDialect } from '../database.js';
import type { Database } from '../database-schema.js';
import type {
  AuditCheckpointsTable,
  AuditDb,
  AuditEventsTable,
  AuditTables,
} from './audit-tables.js';
import { queryAuditActivity } from './sql-audit-activity.js';
import { insertBatchPostgres, sqliteInserts, toRow } from './sql-audit-inserts.js';

function parseDetails(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    // A tampered, unparseable value still hashes as something, so verification reports it.
    return { unparseable: text };
  }
}

function toRecord(r: AuditEventsTable): AuditRecord {
  return {
    seq: Number(r.seq),
    id: r.id,
    time: Number(r.time),
    actor: {
      kind: r.actor_kind as ActorKind,
      id: r.actor_id,
      ip: r.actor_ip,
      userAgent: r.actor_user_agent,
      apiKeyId: r.actor_api_key_id,
    },
    action: r.action,
    target: r.target_type === null ? null : { type: r.target_type, id: r.target_id },
    outcome: r.outcome as EventOutcome,
    severity: r.severity as EventSeverity,
    environment: r.environment,
    requestId: r.request_id,
    risk: Number(r.risk),
    details: parseDetails(r.details),
    hash: r.hash,
  };
}

function toCheckpoint(r: AuditCheckpointsTable): AuditCheckpoint {
  return {
    id: r.id,
    seq: Number(r.seq),
    hash: r.hash,
    time: Number(r.time),
    kind: r.kind as CheckpointKind,
    keyId: r.key_id,
    publicKey: r.public_key,
    signature: r.signature,
  };
}

function checkpointRow(c: AuditCheckpoint): AuditCheckpointsTable {
  return {
    id: c.id,
    seq: c.seq,
    hash: c.hash,
    time: c.time,
    kind: c.kind,
    key_id: c.keyId,
    public_key: c.publicKey,
    signature: c.signature,
  };
}

/**
 * The audit port over SQLite or PostgreSQL. Appends lock the single chain-head row
 * (`SELECT … FOR UPDATE` on PostgreSQL; SQLite has one writer at a time), so writers on
 * several nodes append one after another and the chain never forks.
 */
export class SqlAuditStore implements AuditStore {
  readonly #db: AuditDb;
  readonly #dialect: DatabaseDialect;
  readonly #rowsPerInsert = 1000;

  constructor(db: Kysely<Database>, dialect: DatabaseDialect) {
    this.#db = db.withTables<AuditTables>();
    this.#dialect = dialect;
  }

  async #lockHead(trx: Transaction<Database & AuditTables>) {
    // SQLite: write first, so the transaction takes the write lock at once (waiting under
    // busy_timeout) instead of reading a snapshot and failing with SQLITE_BUSY_SNAPSHOT
    // when another process (the CLI) committed in between.
    if (this.#dialect === 'sqlite')
      await trx.updateTable('audit_chain_head').set({ id: 1 }).where('id', '=', 1).execute();
    const query = trx.selectFrom('audit_chain_head').select(['seq', 'hash']).where('id', '=', 1);
    const row = await (this.#dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
    if (!row) throw new Error('audit chain head is missing; run rampart migrate');
    return { seq: Number(row.seq), hash: row.hash };
  }

  async append(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    if (entries.length === 0) return [];
    return this.#db.transaction().execute(async (trx) => {
      const head = await this.#lockHead(trx);
      const records = chainEntries(head, entries);
      if (this.#dialect === 'postgres') {
        for (let i = 0; i < records.length; i += this.#rowsPerInsert) {
          const rows = records.slice(i, i + this.#rowsPerInsert).map(toRow);
          await insertBatchPostgres(rows).execute(trx);
        }
      } else for (const query of sqliteInserts(records)) await trx.executeQuery(query);
      const last = records[records.length - 1];
      if (last)
        await trx
          .updateTable('audit_chain_head')
          .set({ seq: last.seq, hash: last.hash })
          .where('id', '=', 1)
          .execute();
      return records;
    });
  }

  async head(): Promise<{ seq: number; hash: string }> {
    const row = await this.#db
      .selectFrom('audit_chain_head')
      .select(['seq', 'hash'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    return { seq: Number(row.seq), hash: row.hash };
  }

  async readAfter(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    const rows = await this.#db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq', 'asc')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  async query(q: AuditQuery): Promise<AuditRecord[]> {
    let query = this.#db.selectFrom('audit_events').selectAll();
    if (q.fromTime !== undefined) query = query.where('time', '>=', q.fromTime);
    if (q.toTime !== undefined) query = query.where('time', '<', q.toTime);
    if (q.actorId !== undefined) query = query.where('actor_id', '=', q.actorId);
    if (q.actorKind !== undefined) query = query.where('actor_kind', '=', q.actorKind);
    if (q.action !== undefined) {
      if (q.action.endsWith('*')) {
        const prefix = q.action.slice(0, -1);
        // A range instead of LIKE: no wildcard escaping, and it uses the index.
        query = query.where('action', '>=', prefix).where('action', '<', `${prefix}\u{10FFFF}`);
      } else query = query.where('action', '=', q.action);
    }
    if (q.outcome !== undefined) query = query.where('outcome', '=', q.outcome);
    if (q.minRisk !== undefined) query = query.where('risk', '>=', q.minRisk);
    if (q.targetType !== undefined) query = query.where('target_type', '=', q.targetType);
    if (q.targetId !== undefined) query = query.where('target_id', '=', q.targetId);
    if (q.maxSeq !== undefined) query = query.where('seq', '<=', q.maxSeq);
    if (q.afterSeq !== undefined)
      query = query.where('seq', q.order === 'asc' ? '>' : '<', q.afterSeq);
    const rows = await query.orderBy('seq', q.order).limit(q.limit).execute();
    return rows.map(toRecord);
  }

  async activity(fromTime: number, toTime: number, minFailures: number): Promise<AuditActivity> {
    return queryAuditActivity(this.#db, fromTime, toTime, minFailures);
  }

  async insertCheckpoint(checkpoint: AuditCheckpoint): Promise<void> {
    await this.#db.insertInto('audit_checkpoints').values(checkpointRow(checkpoint)).execute();
  }

  async listCheckpoints(): Promise<AuditCheckpoint[]> {
    const rows = await this.#db
      .selectFrom('audit_checkpoints')
      .selectAll()
      .orderBy('seq', 'asc')
      .orderBy('time', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map(toCheckpoint);
  }

  async latestCheckpoint(): Promise<AuditCheckpoint | undefined> {
    const row = await this.#db
      .selectFrom('audit_checkpoints')
      .selectAll()
      .where('kind', '!=', 'anchor')
      .orderBy('seq', 'desc')
      .orderBy('time', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toCheckpoint(row) : undefined;
  }

  async deleteBefore(
    cutoff: number,
    makeAnchor: (seq: number, hash: string) => AuditCheckpoint,
  ): Promise<{ deleted: number; anchor?: AuditCheckpoint }> {
    return this.#db.transaction().execute(async (trx) => {
      // Retention removes a prefix of the chain: everything up to the last record older
      // than the cutoff. Holding the chain lock keeps it apart from appends.
      await this.#lockHead(trx);
      const last = await trx
        .selectFrom('audit_events')
        .select(['seq', 'hash'])
        .where('time', '<', cutoff)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!last) return { deleted: 0 };
      const anchor = makeAnchor(Number(last.seq), last.hash);
      await trx.insertInto('audit_checkpoints').values(checkpointRow(anchor)).execute();
      const result = await trx
        .deleteFrom('audit_events')
        .where('seq', '<=', Number(last.seq))
        .executeTakeFirst();
      return { deleted: Number(result.numDeletedRows), anchor };
    });
  }
}
