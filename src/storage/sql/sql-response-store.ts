import type { Kysely } from 'kysely';
import type { ResponseActionName } from '../../config/response-schema.js';
import type {
  ActionStatus,
  ActionSubjectType,
  MfaRequirementStore,
  ResponseActionQuery,
  ResponseActionRecord,
  ResponseStore,
} from '../../monitor/response/store.js';
import type { ResponseTables } from './response-tables.js';

type Row = ResponseTables['response_actions'];

function toRecord(r: Row): ResponseActionRecord {
  return {
    id: r.id,
    signalId: r.signal_id,
    incidentId: r.incident_id,
    detector: r.detector,
    action: r.action as ResponseActionName,
    subjectType: r.subject_type as ActionSubjectType | null,
    subjectId: r.subject_id,
    status: r.status as ActionStatus,
    reversible: Number(r.reversible) === 1,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
    createdAt: Number(r.created_at),
    revertedAt: r.reverted_at === null ? null : Number(r.reverted_at),
    revertedBy: r.reverted_by,
  };
}

export class SqlResponseStore implements ResponseStore, MfaRequirementStore {
  readonly #db: Kysely<ResponseTables>;

  constructor(db: Kysely<unknown>) {
    this.#db = db as unknown as Kysely<ResponseTables>;
  }

  async add(r: ResponseActionRecord): Promise<void> {
    await this.#db
      .insertInto('response_actions')
      .values({
        id: r.id,
        signal_id: r.signalId,
        incident_id: r.incidentId,
        detector: r.detector,
        action: r.action,
        subject_type: r.subjectType,
        subject_id: r.subjectId,
        status: r.status,
        reversible: r.reversible ? 1 : 0,
        detail: JSON.stringify(r.detail),
        created_at: r.createdAt,
        reverted_at: r.revertedAt,
        reverted_by: r.revertedBy,
      })
      .execute();
  }

  async find(id: string): Promise<ResponseActionRecord | undefined> {
    const row = await this.#db
      .selectFrom('response_actions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async list(q: ResponseActionQuery): Promise<ResponseActionRecord[]> {
    let query = this.#db.selectFrom('response_actions').selectAll();
    if (q.before !== undefined) query = query.where('created_at', '<', q.before);
    if (q.status) query = query.where('status', '=', q.status);
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit)
      .execute();
    return rows.map(toRecord);
  }

  async markReverted(id: string, at: number, by: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('response_actions')
      .set({ status: 'reverted', reverted_at: at, reverted_by: by })
      .where('id', '=', id)
      .where('status', '=', 'executed')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async countSince(action: ResponseActionName, subjectId: string, since: number): Promise<number> {
    const row = await this.#db
      .selectFrom('response_actions')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('action', '=', action)
      .where('subject_id', '=', subjectId)
      .where('status', 'in', ['executed', 'reverted'])
      .where('created_at', '>=', since)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async require(accountId: string, reason: string, now: number): Promise<void> {
    await this.#db
      .insertInto('mfa_requirements')
      .values({ account_id: accountId, reason, created_at: now })
      .onConflict((oc) => oc.column('account_id').doNothing())
      .execute();
  }

  async clear(accountId: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('mfa_requirements')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async isRequired(accountId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('mfa_requirements')
      .select('account_id')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row !== undefined;
  }
}
