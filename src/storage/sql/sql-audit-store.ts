import { CompiledQuery, type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import { type AuditEntry, type AuditRecord, chainEntries } from '../../audit/core/audit-record.js';
import { canonicalJson } from '../../audit/core/canonical-json.js';
import type { AuditCheckpoint, CheckpointKind } from '../../audit/core/checkpoint-signer.js';
import type { AuditActivity, AuditQuery, AuditStore } from '../../audit/store.js';
import type { ActorKind, EventOutcome, EventSeverity } from '../../events/security-event.js';
import type { DatabaseDialect } from '../database.js';
import type { Database } from '../database-schema.js';

export type AuditEventsTable = {
  seq: number;
  id: string;
  time: number;
  actor_kind: string;
  actor_id: string | null;
  actor_ip: string | null;
  actor_user_agent: string | null;
  actor_api_key_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: string;
  severity: string;
  environment: string;
  request_id: string | null;
  risk: number;
  details: string;
  hash: string;
};

export interface AuditChainHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface AuditCheckpointsTable {
  id: string;
  seq: number;
  hash: string;
  time: number;
  kind: string;
  key_id: string;
  public_key: string;
  signature: string;
}

// A type alias, not an interface: Kysely's withTables needs an index-compatible type.
export type AuditTables = {
  audit_events: AuditEventsTable;
  audit_chain_head: AuditChainHeadTable;
  audit_checkpoints: AuditCheckpointsTable;
};

type AuditDb = Kysely<Database & AuditTables>;

// Column name → PostgreSQL type, in table order.
const eventColumns = [
  ['seq', 'bigint'],
  ['id', 'text'],
  ['time', 'bigint'],
  ['actor_kind', 'text'],
  ['actor_id', 'text'],
  ['actor_ip', 'text'],
  ['actor_user_agent', 'text'],
  ['actor_api_key_id', 'text'],
  ['action', 'text'],
  ['target_type', 'text'],
  ['target_id', 'text'],
  ['outcome', 'text'],
  ['severity', 'text'],
  ['environment', 'text'],
  ['request_id', 'text'],
  ['risk', 'integer'],
  ['details', 'text'],
  ['hash', 'text'],
] as const;

/**
 * PostgreSQL: a batch insert with the rows as one JSON parameter expanded by
 * `jsonb_to_recordset`; building and binding a thousand-row VALUES list through the query
 * builder costs more CPU than the write itself.
 */
function insertBatchPostgres(rows: AuditEventsTable[]): RawBuilder<unknown> {
  const names = sql.raw(eventColumns.map(([name]) => name).join(', '));
  const shape = sql.raw(eventColumns.map(([name, type]) => `${name} ${type}`).join(', '));
  return sql`insert into audit_events (${names}) select ${names} from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(${shape})`;
}

const sqliteInsertText = new Map<number, string>();

/**
 * A record's column values in `eventColumns` order, written straight into the statement's
 * parameters (no row object per record: this runs for every audit event).
 */
function writeParams(params: unknown[], p: number, r: AuditRecord): void {
  params[p] = r.seq;
  params[p + 1] = r.id;
  params[p + 2] = r.time;
  params[p + 3] = r.actor.kind;
  params[p + 4] = r.actor.id;
  params[p + 5] = r.actor.ip;
  params[p + 6] = r.actor.userAgent;
  params[p + 7] = r.actor.apiKeyId;
  params[p + 8] = r.action;
  params[p + 9] = r.target?.type ?? null;
  params[p + 10] = r.target?.id ?? null;
  params[p + 11] = r.outcome;
  params[p + 12] = r.severity;
  params[p + 13] = r.environment;
  params[p + 14] = r.requestId;
  params[p + 15] = r.risk;
  params[p + 16] = r.detailsJson ?? canonicalJson(r.details);
  params[p + 17] = r.hash;
}

/**
 * SQLite: a multi-row INSERT compiled once per row count (the driver keeps the prepared
 * statement by its text) with the values bound positionally. Batches are cut into
 * 1000/100/10/1-row statements so only four statement texts ever exist.
 */
function sqliteInserts(records: readonly AuditRecord[]): CompiledQuery[] {
  const out: CompiledQuery[] = [];
  let i = 0;
  for (const size of [1000, 100, 10, 1]) {
    while (records.length - i >= size) {
      let text = sqliteInsertText.get(size);
      if (text === undefined) {
        const tuple = `(${eventColumns.map(() => '?').join(', ')})`;
        text = `insert into audit_events (${eventColumns.map(([n]) => n).join(', ')}) values ${Array.from({ length: size }, () => tuple).join(', ')}`;
        sqliteInsertText.set(size, text);
      }
      const params: unknown[] = new Array(size * eventColumns.length);
      for (let r = i, p = 0; r < i + size; r++, p += eventColumns.length) {
        writeParams(params, p, records[r] as AuditRecord);
      }
      out.push(CompiledQuery.raw(text, params));
      i += size;
    }
  }
  return out;
}

function toRow(r: AuditRecord): AuditEventsTable {
  return {
    seq: r.seq,
    id: r.id,
    time: r.time,
    actor_kind: r.actor.kind,
    actor_id: r.actor.id,
    actor_ip: r.actor.ip,
    actor_user_agent: r.actor.userAgent,
    actor_api_key_id: r.actor.apiKeyId,
    action: r.action,
    target_type: r.target?.type ?? null,
    target_id: r.target?.id ?? null,
    outcome: r.outcome,
    severity: r.severity,
    environment: r.environment,
    request_id: r.requestId,
    risk: r.risk,
    details: r.detailsJson ?? canonicalJson(r.details),
    hash: r.hash,
  };
}

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
    const inWindow = this.#db
      .selectFrom('audit_events')
      .where('time', '>=', fromTime)
      .where('time', '<', toTime);
    const totals = await inWindow
      .select((eb) => [
        eb.fn.countAll<number>().as('total'),
        eb.fn
          .sum<number>(eb.case().when('outcome', '!=', 'success').then(1).else(0).end())
          .as('failures'),
      ])
      .executeTakeFirstOrThrow();
    const repeated = await inWindow
      .where('outcome', '!=', 'success')
      .where('actor_id', 'is not', null)
      .select((eb) => [
        'actor_id',
        eb.fn.countAll<number>().as('failures'),
        eb.fn.max('time').as('last_seen'),
      ])
      .groupBy('actor_id')
      .having((eb) => eb.fn.countAll(), '>=', minFailures)
      .orderBy('failures', 'desc')
      .limit(100)
      .execute();
    const newIps = await inWindow
      .where('actor_id', 'is not', null)
      .where('actor_ip', 'is not', null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('audit_events as earlier')
              .select('earlier.seq')
              .whereRef('earlier.actor_id', '=', 'audit_events.actor_id')
              .whereRef('earlier.actor_ip', '=', 'audit_events.actor_ip')
              .where('earlier.time', '<', fromTime),
          ),
        ),
      )
      .select((eb) => ['actor_id', 'actor_ip', eb.fn.min('time').as('first_seen')])
      .groupBy(['actor_id', 'actor_ip'])
      .orderBy('first_seen', 'desc')
      .limit(100)
      .execute();
    const actors = await inWindow
      .where('actor_id', 'is not', null)
      .select((eb) => [
        'actor_id',
        eb.fn.countAll<number>().as('events'),
        eb.fn
          .sum<number>(eb.case().when('outcome', '!=', 'success').then(1).else(0).end())
          .as('failures'),
        eb.fn.max('risk').as('max_risk'),
        eb.fn.count<number>('actor_ip').distinct().as('ips'),
        eb.fn.max('time').as('last_seen'),
      ])
      .groupBy('actor_id')
      .orderBy('events', 'desc')
      .limit(50)
      .execute();
    return {
      total: Number(totals.total),
      failures: Number(totals.failures ?? 0),
      repeatedFailures: repeated.map((r) => ({
        actorId: r.actor_id ?? '',
        failures: Number(r.failures),
        lastSeen: Number(r.last_seen),
      })),
      newIps: newIps.map((r) => ({
        actorId: r.actor_id ?? '',
        ip: r.actor_ip ?? '',
        firstSeen: Number(r.first_seen),
      })),
      actors: actors.map((r) => ({
        actorId: r.actor_id ?? '',
        events: Number(r.events),
        failures: Number(r.failures ?? 0),
        maxRisk: Number(r.max_risk),
        ips: Number(r.ips),
        lastSeen: Number(r.last_seen),
      })),
    };
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
