import type { Kysely } from 'kysely';
import type {
  Incident,
  IncidentQuery,
  IncidentSeverity,
  IncidentStatus,
  IncidentStore,
  TimelineEntry,
  TimelineKind,
} from '../../monitor/incidents/store.js';
import type { ResponseTables } from './response-tables.js';

type Row = ResponseTables['incidents'];
type EntryRow = ResponseTables['incident_timeline'];

const num = (v: number | null) => (v === null ? null : Number(v));

function toIncident(r: Row): Incident {
  return {
    id: r.id,
    title: r.title,
    severity: r.severity as IncidentSeverity,
    status: r.status as IncidentStatus,
    key: r.key,
    openedBy: r.opened_by,
    startedAt: Number(r.started_at),
    openedAt: Number(r.opened_at),
    acknowledgedAt: num(r.acknowledged_at),
    containedAt: num(r.contained_at),
    resolvedAt: num(r.resolved_at),
    updatedAt: Number(r.updated_at),
  };
}

function toRow(i: Incident): Row {
  return {
    id: i.id,
    title: i.title,
    severity: i.severity,
    status: i.status,
    key: i.key,
    opened_by: i.openedBy,
    started_at: i.startedAt,
    opened_at: i.openedAt,
    acknowledged_at: i.acknowledgedAt,
    contained_at: i.containedAt,
    resolved_at: i.resolvedAt,
    updated_at: i.updatedAt,
  };
}

function toEntryRow(e: TimelineEntry): EntryRow {
  return {
    id: e.id,
    incident_id: e.incidentId,
    time: e.time,
    kind: e.kind,
    summary: e.summary,
    actor: e.actor,
    data: JSON.stringify(e.data),
  };
}

export class SqlIncidentStore implements IncidentStore {
  readonly #db: Kysely<ResponseTables>;

  constructor(db: Kysely<unknown>) {
    this.#db = db as unknown as Kysely<ResponseTables>;
  }

  async create(incident: Incident, entries: readonly TimelineEntry[]): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.insertInto('incidents').values(toRow(incident)).execute();
      if (entries.length > 0) {
        await trx.insertInto('incident_timeline').values(entries.map(toEntryRow)).execute();
      }
    });
  }

  async find(id: string): Promise<Incident | undefined> {
    const row = await this.#db
      .selectFrom('incidents')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toIncident(row) : undefined;
  }

  async findUnresolvedByKey(key: string): Promise<Incident | undefined> {
    const row = await this.#db
      .selectFrom('incidents')
      .selectAll()
      .where('key', '=', key)
      .where('status', '!=', 'resolved')
      .orderBy('opened_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toIncident(row) : undefined;
  }

  async list(q: IncidentQuery): Promise<Incident[]> {
    let query = this.#db.selectFrom('incidents').selectAll();
    if (q.status) query = query.where('status', '=', q.status);
    if (q.from !== undefined) query = query.where('opened_at', '>=', q.from);
    if (q.to !== undefined) query = query.where('opened_at', '<', q.to);
    const rows = await query
      .orderBy('opened_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit)
      .execute();
    return rows.map(toIncident);
  }

  async update(next: Incident, expected: IncidentStatus): Promise<boolean> {
    const { id: _id, ...row } = toRow(next);
    const result = await this.#db
      .updateTable('incidents')
      .set(row)
      .where('id', '=', next.id)
      .where('status', '=', expected)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async addEntry(entry: TimelineEntry): Promise<void> {
    await this.#db.insertInto('incident_timeline').values(toEntryRow(entry)).execute();
  }

  async timeline(incidentId: string): Promise<TimelineEntry[]> {
    const rows = await this.#db
      .selectFrom('incident_timeline')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('time', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      incidentId: r.incident_id,
      time: Number(r.time),
      kind: r.kind as TimelineKind,
      summary: r.summary,
      actor: r.actor,
      data: JSON.parse(r.data) as Record<string, unknown>,
    }));
  }
}
