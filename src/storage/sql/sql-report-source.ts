import { type Kysely, sql } from 'kysely';
import type { ResponseActionName } from '../../config/response-schema.js';
import type { EventCounts } from '../../monitor/incidents/security-report.js';
import type { Incident } from '../../monitor/incidents/store.js';
import type { ActionStatus } from '../../monitor/response/store.js';
import { SqlIncidentStore } from './sql-incident-store.js';

/** The security report's reads: audit counts, response actions and incidents of a period. */
export class SqlReportSource implements EventCounts {
  readonly #db: Kysely<unknown>;
  readonly #incidents: SqlIncidentStore;

  constructor(db: Kysely<unknown>) {
    this.#db = db;
    this.#incidents = new SqlIncidentStore(db);
  }

  async countByType(from: number, to: number) {
    const { rows } = await sql<{ action: string; outcome: string; n: number | string }>`
      select action, outcome, count(*) as n from audit_events
      where time >= ${from} and time < ${to} group by action, outcome`.execute(this.#db);
    return rows.map((r) => ({ type: r.action, outcome: r.outcome, count: Number(r.n) }));
  }

  async responseActions(from: number, to: number) {
    const { rows } = await sql<{ action: string; status: string }>`
      select action, status from response_actions
      where created_at >= ${from} and created_at < ${to}`.execute(this.#db);
    return rows.map((r) => ({
      action: r.action as ResponseActionName,
      status: r.status as ActionStatus,
    }));
  }

  incidents(from: number, to: number): Promise<Incident[]> {
    return this.#incidents.list({ from, to, limit: 10_000 });
  }
}
