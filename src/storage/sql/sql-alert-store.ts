import type { Kysely } from 'kysely';
import { sealedContexts } from '../../dataprotect/core/associated-data.js';
import type { Sealer } from '../../dataprotect/core/sealer.js';
import type {
  AlertInstance,
  AlertRule,
  AlertRuleDefinition,
  LabelMatcher,
  Silence,
} from '../../monitor/alerts/core/alert-rule.js';
import type {
  AlertHistoryEntry,
  AlertHistoryQuery,
  AlertStore,
  ChannelType,
  DeliveryQuery,
  DeliveryRecord,
  OutboxEntry,
  StoredChannel,
} from '../../monitor/alerts/store.js';
import type { Database } from '../database-schema.js';
import * as history from './sql-alert-history.js';
import * as outbox from './sql-alert-outbox.js';

// Type aliases, not interfaces: Kysely's withTables needs index-compatible types.
type AlertTables = outbox.OutboxTables &
  history.HistoryTables & {
    alert_rules: {
      id: string;
      name: string;
      definition: string;
      created_at: number;
      updated_at: number;
    };
    alert_channels: {
      id: string;
      name: string;
      type: string;
      settings_sealed: string;
      created_at: number;
      updated_at: number;
    };
    alert_silences: {
      id: string;
      matchers: string;
      starts_at: number;
      ends_at: number;
      comment: string;
      created_by: string | null;
      created_at: number;
    };
    alert_instances: {
      fingerprint: string;
      rule_id: string;
      labels: string;
      state: string;
      active_since: number | null;
      fired_at: number | null;
      notified: number;
      last_notified_at: number | null;
      value: number;
      version: number;
    };
  };

const channelAad = sealedContexts.alertChannel;

/** The alert manager's tables on SQLite or PostgreSQL; channel settings sealed at rest. */
export class SqlAlertStore implements AlertStore {
  readonly #db: Kysely<AlertTables>;
  readonly #sealer: Sealer;

  #history(): Kysely<history.HistoryTables> {
    return this.#db as unknown as Kysely<history.HistoryTables>;
  }

  #outbox(): Kysely<outbox.OutboxTables> {
    return this.#db as unknown as Kysely<outbox.OutboxTables>;
  }

  constructor(db: Kysely<Database>, sealer: Sealer) {
    this.#db = db.withTables<AlertTables>() as unknown as Kysely<AlertTables>;
    this.#sealer = sealer;
  }

  async listRules(): Promise<AlertRule[]> {
    const rows = await this.#db.selectFrom('alert_rules').selectAll().orderBy('name').execute();
    return rows.map((r) => ({
      ...(JSON.parse(r.definition) as AlertRuleDefinition),
      id: r.id,
      name: r.name,
      origin: 'api' as const,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async insertRule(rule: AlertRule): Promise<void> {
    await this.#db
      .insertInto('alert_rules')
      .values({
        id: rule.id,
        name: rule.name,
        definition: JSON.stringify(definitionOf(rule)),
        created_at: rule.createdAt,
        updated_at: rule.updatedAt,
      })
      .execute();
  }

  async updateRule(rule: AlertRule): Promise<boolean> {
    const r = await this.#db
      .updateTable('alert_rules')
      .set({
        name: rule.name,
        definition: JSON.stringify(definitionOf(rule)),
        updated_at: rule.updatedAt,
      })
      .where('id', '=', rule.id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async deleteRule(id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('alert_rules').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async listChannels(): Promise<StoredChannel[]> {
    const rows = await this.#db.selectFrom('alert_channels').selectAll().orderBy('name').execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      type: r.type as ChannelType,
      settings: JSON.parse(this.#sealer.open(r.settings_sealed, channelAad(r.id)).toString('utf8')),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async insertChannel(c: StoredChannel): Promise<void> {
    await this.#db
      .insertInto('alert_channels')
      .values({
        id: c.id,
        name: c.name,
        type: c.type,
        settings_sealed: this.#sealer.seal(JSON.stringify(c.settings), channelAad(c.id)),
        created_at: c.createdAt,
        updated_at: c.updatedAt,
      })
      .execute();
  }

  async updateChannel(c: StoredChannel): Promise<boolean> {
    const r = await this.#db
      .updateTable('alert_channels')
      .set({
        name: c.name,
        type: c.type,
        settings_sealed: this.#sealer.seal(JSON.stringify(c.settings), channelAad(c.id)),
        updated_at: c.updatedAt,
      })
      .where('id', '=', c.id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async deleteChannel(id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('alert_channels').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async listSilences(): Promise<Silence[]> {
    const rows = await this.#db
      .selectFrom('alert_silences')
      .selectAll()
      .orderBy('starts_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      matchers: JSON.parse(r.matchers) as LabelMatcher[],
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      comment: r.comment,
      createdBy: r.created_by,
      createdAt: r.created_at,
    }));
  }

  async insertSilence(s: Silence): Promise<void> {
    await this.#db
      .insertInto('alert_silences')
      .values({
        id: s.id,
        matchers: JSON.stringify(s.matchers),
        starts_at: s.startsAt,
        ends_at: s.endsAt,
        comment: s.comment,
        created_by: s.createdBy,
        created_at: s.createdAt,
      })
      .execute();
  }

  async updateSilence(s: Silence): Promise<boolean> {
    const r = await this.#db
      .updateTable('alert_silences')
      .set({
        matchers: JSON.stringify(s.matchers),
        starts_at: s.startsAt,
        ends_at: s.endsAt,
        comment: s.comment,
      })
      .where('id', '=', s.id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async deleteSilence(id: string): Promise<boolean> {
    const r = await this.#db.deleteFrom('alert_silences').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async listInstances(): Promise<AlertInstance[]> {
    const rows = await this.#db.selectFrom('alert_instances').selectAll().execute();
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      ruleId: r.rule_id,
      labels: JSON.parse(r.labels) as Record<string, string>,
      state: r.state as AlertInstance['state'],
      activeSince: r.active_since,
      firedAt: r.fired_at,
      notified: r.notified === 1,
      lastNotifiedAt: r.last_notified_at,
      value: r.value,
      version: Number(r.version),
    }));
  }

  saveInstance(next: AlertInstance): Promise<boolean> {
    return saveInstanceIn(this.#db, next);
  }

  saveInstanceWithOutbox(next: AlertInstance, rows: readonly OutboxEntry[]): Promise<boolean> {
    if (rows.length === 0) return saveInstanceIn(this.#db, next);
    return this.#db.transaction().execute(async (trx) => {
      if (!(await saveInstanceIn(trx, next))) return false;
      await outbox.insertOutbox(trx as unknown as Kysely<outbox.OutboxTables>, rows);
      return true;
    });
  }

  async deleteInstance(fingerprint: string, version: number): Promise<void> {
    await this.#db
      .deleteFrom('alert_instances')
      .where('fingerprint', '=', fingerprint)
      .where('version', '=', version)
      .execute();
  }

  appendHistory(entry: AlertHistoryEntry): Promise<void> {
    return history.appendHistory(this.#history(), entry);
  }

  queryHistory(query: AlertHistoryQuery): Promise<AlertHistoryEntry[]> {
    return history.queryHistory(this.#history(), query);
  }

  recordDelivery(record: DeliveryRecord): Promise<void> {
    return history.recordDelivery(this.#history(), record);
  }

  pruneHistory(before: number): Promise<void> {
    return history.pruneHistory(this.#history(), before);
  }

  queryDeliveries(query: DeliveryQuery): Promise<DeliveryRecord[]> {
    return history.queryDeliveries(this.#history(), query);
  }

  dueOutbox(now: number, limit: number): Promise<OutboxEntry[]> {
    return outbox.dueOutbox(this.#outbox(), now, limit);
  }

  claimOutbox(id: string, holder: string, now: number, until: number, maxRuns: number) {
    return outbox.claimOutbox(this.#outbox(), id, holder, now, until, maxRuns);
  }

  renewOutbox(id: string, holder: string, now: number, until: number) {
    return outbox.renewOutbox(this.#outbox(), id, holder, now, until);
  }

  completeOutbox(id: string, holder: string | null, state: 'delivered' | 'failed', now: number) {
    return outbox.completeOutbox(this.#outbox(), id, holder, state, now);
  }

  pruneOutbox(before: number): Promise<void> {
    return outbox.pruneOutbox(this.#outbox(), before);
  }
}

async function saveInstanceIn(db: Kysely<AlertTables>, next: AlertInstance): Promise<boolean> {
  const row = {
    rule_id: next.ruleId,
    labels: JSON.stringify(next.labels),
    state: next.state,
    active_since: next.activeSince,
    fired_at: next.firedAt,
    notified: next.notified ? 1 : 0,
    last_notified_at: next.lastNotifiedAt,
    value: Number.isFinite(next.value) ? next.value : 0,
    version: next.version,
  };
  if (next.version === 1) {
    const r = await db
      .insertInto('alert_instances')
      .values({ fingerprint: next.fingerprint, ...row })
      .onConflict((oc) => oc.column('fingerprint').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }
  const r = await db
    .updateTable('alert_instances')
    .set(row)
    .where('fingerprint', '=', next.fingerprint)
    .where('version', '=', next.version - 1)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

function definitionOf(rule: AlertRule): AlertRuleDefinition {
  const { id: _id, origin: _origin, createdAt: _c, updatedAt: _u, ...definition } = rule;
  return definition;
}
