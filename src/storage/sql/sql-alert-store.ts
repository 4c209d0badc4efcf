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
  StoredChannel,
} from '../../monitor/alerts/store.js';
import type { Database } from '../database-schema.js';

// Type aliases, not interfaces: Kysely's withTables needs index-compatible types.
type AlertTables = {
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
  alert_history: {
    id: string;
    fingerprint: string;
    rule_id: string;
    rule_name: string;
    severity: string;
    labels: string;
    state: string;
    value: number;
    silenced: number;
    notified: number;
    time: number;
  };
  alert_deliveries: {
    id: string;
    notification_id: string;
    fingerprint: string;
    channel: string;
    status: string;
    test: number;
    outcome: string;
    attempts: number;
    error: string | null;
    started_at: number;
    duration_ms: number;
  };
};

const channelAad = sealedContexts.alertChannel;

/** The alert manager's tables on SQLite or PostgreSQL; channel settings sealed at rest. */
export class SqlAlertStore implements AlertStore {
  readonly #db: Kysely<AlertTables>;
  readonly #sealer: Sealer;

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

  async saveInstance(next: AlertInstance): Promise<boolean> {
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
      const r = await this.#db
        .insertInto('alert_instances')
        .values({ fingerprint: next.fingerprint, ...row })
        .onConflict((oc) => oc.column('fingerprint').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    }
    const r = await this.#db
      .updateTable('alert_instances')
      .set(row)
      .where('fingerprint', '=', next.fingerprint)
      .where('version', '=', next.version - 1)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async deleteInstance(fingerprint: string, version: number): Promise<void> {
    await this.#db
      .deleteFrom('alert_instances')
      .where('fingerprint', '=', fingerprint)
      .where('version', '=', version)
      .execute();
  }

  async appendHistory(e: AlertHistoryEntry): Promise<void> {
    await this.#db
      .insertInto('alert_history')
      .values({
        id: e.id,
        fingerprint: e.fingerprint,
        rule_id: e.ruleId,
        rule_name: e.ruleName,
        severity: e.severity,
        labels: JSON.stringify(e.labels),
        state: e.state,
        value: Number.isFinite(e.value) ? e.value : 0,
        silenced: e.silenced ? 1 : 0,
        notified: e.notified ? 1 : 0,
        time: e.time,
      })
      .execute();
  }

  async queryHistory(q: AlertHistoryQuery): Promise<AlertHistoryEntry[]> {
    let query = this.#db.selectFrom('alert_history').selectAll();
    if (q.ruleId !== undefined) query = query.where('rule_id', '=', q.ruleId);
    if (q.fingerprint !== undefined) query = query.where('fingerprint', '=', q.fingerprint);
    if (q.state !== undefined) query = query.where('state', '=', q.state);
    if (q.severity !== undefined) query = query.where('severity', '=', q.severity);
    if (q.since !== undefined) query = query.where('time', '>=', q.since);
    if (q.until !== undefined) query = query.where('time', '<', q.until);
    if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
    const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map((r) => ({
      id: r.id,
      fingerprint: r.fingerprint,
      ruleId: r.rule_id,
      ruleName: r.rule_name,
      severity: r.severity as AlertHistoryEntry['severity'],
      labels: JSON.parse(r.labels) as Record<string, string>,
      state: r.state as AlertHistoryEntry['state'],
      value: r.value,
      silenced: r.silenced === 1,
      notified: r.notified === 1,
      time: r.time,
    }));
  }

  async recordDelivery(d: DeliveryRecord): Promise<void> {
    await this.#db
      .insertInto('alert_deliveries')
      .values({
        id: d.id,
        notification_id: d.notificationId,
        fingerprint: d.fingerprint,
        channel: d.channel,
        status: d.status,
        test: d.test ? 1 : 0,
        outcome: d.outcome,
        attempts: d.attempts,
        error: d.error,
        started_at: d.startedAt,
        duration_ms: d.durationMs,
      })
      .execute();
  }

  async pruneHistory(before: number): Promise<void> {
    await this.#db.deleteFrom('alert_history').where('time', '<', before).execute();
    await this.#db.deleteFrom('alert_deliveries').where('started_at', '<', before).execute();
  }

  async queryDeliveries(q: DeliveryQuery): Promise<DeliveryRecord[]> {
    let query = this.#db.selectFrom('alert_deliveries').selectAll();
    if (q.channel !== undefined) query = query.where('channel', '=', q.channel);
    if (q.outcome !== undefined) query = query.where('outcome', '=', q.outcome);
    if (q.fingerprint !== undefined) query = query.where('fingerprint', '=', q.fingerprint);
    if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
    const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map((r) => ({
      id: r.id,
      notificationId: r.notification_id,
      fingerprint: r.fingerprint,
      channel: r.channel,
      status: r.status as DeliveryRecord['status'],
      test: r.test === 1,
      outcome: r.outcome as DeliveryRecord['outcome'],
      attempts: r.attempts,
      error: r.error,
      startedAt: r.started_at,
      durationMs: r.duration_ms,
    }));
  }
}

function definitionOf(rule: AlertRule): AlertRuleDefinition {
  const { id: _id, origin: _origin, createdAt: _c, updatedAt: _u, ...definition } = rule;
  return definition;
}
