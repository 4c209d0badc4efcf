import type { Kysely } from 'kysely';
import type { HealthStatus } from '../../monitor/core/health.js';
import type {
  HealthHistoryEntry,
  HealthHistoryQuery,
  HealthHistoryStore,
} from '../../monitor/store.js';
import type { Database } from '../database-schema.js';

export interface HealthHistoryTable {
  id: string;
  time: number;
  node_id: string;
  kind: string;
  check_name: string | null;
  check_type: string | null;
  status: string;
  previous_status: string | null;
  observed_value: string | null;
  observed_unit: string | null;
  output: string | null;
  duration_ms: number | null;
}

// A type alias, not an interface: Kysely's withTables needs an index-compatible type.
export type HealthTables = { health_history: HealthHistoryTable };

function toRow(e: HealthHistoryEntry): HealthHistoryTable {
  return {
    id: e.id,
    time: e.time,
    node_id: e.nodeId,
    kind: e.kind,
    check_name: e.check,
    check_type: e.checkType,
    status: e.status,
    previous_status: e.previousStatus,
    observed_value: e.observedValue === null ? null : JSON.stringify(e.observedValue),
    observed_unit: e.observedUnit,
    output: e.output,
    duration_ms: e.durationMs,
  };
}

function parseObserved(text: string | null): HealthHistoryEntry['observedValue'] {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : null;
  } catch {
    return null;
  }
}

function fromRow(r: HealthHistoryTable): HealthHistoryEntry {
  return {
    id: r.id,
    time: Number(r.time),
    nodeId: r.node_id,
    kind: r.kind as HealthHistoryEntry['kind'],
    check: r.check_name,
    checkType: r.check_type,
    status: r.status as HealthStatus,
    previousStatus: r.previous_status as HealthStatus | null,
    observedValue: parseObserved(r.observed_value),
    observedUnit: r.observed_unit,
    output: r.output,
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
  };
}

/** The health history in SQLite or PostgreSQL (migration 0050). */
export class SqlHealthHistoryStore implements HealthHistoryStore {
  readonly #db: Kysely<Database & HealthTables>;

  constructor(db: Kysely<Database>) {
    this.#db = db.withTables<HealthTables>();
  }

  async append(entries: readonly HealthHistoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#db.insertInto('health_history').values(entries.map(toRow)).execute();
  }

  async list(query: HealthHistoryQuery): Promise<HealthHistoryEntry[]> {
    let q = this.#db.selectFrom('health_history').selectAll();
    if (query.check !== undefined) q = q.where('check_name', '=', query.check);
    if (query.nodeId !== undefined) q = q.where('node_id', '=', query.nodeId);
    if (query.since !== undefined) q = q.where('time', '>=', query.since);
    if (query.changesOnly) q = q.where('kind', '!=', 'run');
    if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
    const rows = await q.orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map(fromRow);
  }

  async deleteBefore(time: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('health_history')
      .where('time', '<', time)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
