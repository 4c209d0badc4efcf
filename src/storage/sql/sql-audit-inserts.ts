import { CompiledQuery, type RawBuilder, sql } from 'kysely';
import type { AuditRecord } from '../../audit/core/audit-record.js';
import { canonicalJson } from '../../audit/core/canonical-json.js';
import type { AuditEventsTable } from './audit-tables.js';

/**
 * Writing audit records as rows of `audit_events`, in batches: one JSON parameter per
 * batch on PostgreSQL, multi-row statements of fixed sizes on SQLite. The chain-head
 * lock and the transaction are the caller's (SqlAuditStore.append).
 *
 * @example
 * for (const query of sqliteInserts(records)) await trx.executeQuery(query);
 * await insertBatchPostgres(records.map(toRow)).execute(trx);
 */

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
export function insertBatchPostgres(rows: AuditEventsTable[]): RawBuilder<unknown> {
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
export function sqliteInserts(records: readonly AuditRecord[]): CompiledQuery[] {
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

export function toRow(r: AuditRecord): AuditEventsTable {
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
