import type { Registry } from 'prom-client';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import { isUniqueViolation } from '../../storage/sql/sql-errors.js';
import type { ChannelDefinition } from '../channels/channel.js';
import { type ChannelCatalog, channelSettingsOf } from '../channels/channel-catalog.js';
import type { ChannelDispatcher } from '../channels/dispatcher.js';
import { alertErrors } from '../errors.js';
import {
  type ChangeAuthor,
  publishAlertChange,
  resolveAlertsOfDeletedRule,
} from './alert-changes.js';
import { registryHasMetric } from './alert-manager.js';
import type { AlertChannelInput, AlertRuleInput } from './alert-schemas.js';
import type {
  AlertInstance,
  AlertRule,
  AlertRuleDefinition,
  LabelMatcher,
  Silence,
} from './core/alert-rule.js';
import { assertValidRule, silenceProblems } from './core/validate.js';
import { channelJson, ruleJson, silenceJson } from './routes/json.js';
import type {
  AlertHistoryEntry,
  AlertHistoryQuery,
  AlertStore,
  DeliveryQuery,
  DeliveryRecord,
} from './store.js';

export interface AlertServiceOptions {
  store: AlertStore;
  configRules: readonly AlertRuleInput[];
  catalog: ChannelCatalog;
  dispatcher: ChannelDispatcher;
  registry?: Registry;
  /** Changes through the API are published as `alert.config.changed` (the audit trail). */
  events?: EventPublisher;
  now?: () => number;
}

/** Rules, channels and silences: config entries (read-only) and API entries (stored). */
export class AlertService {
  readonly #o: AlertServiceOptions;
  readonly #now: () => number;
  readonly #configRules: readonly AlertRule[];

  constructor(options: AlertServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#configRules = options.configRules.map((r) => ({
      ...(r as unknown as AlertRuleDefinition),
      id: `config:${r.name}`,
      origin: 'config' as const,
      createdAt: 0,
      updatedAt: 0,
    }));
    const names = new Set<string>();
    for (const rule of this.#configRules) {
      if (names.has(rule.name))
        throw new Error(`alerts.rules: the name ${rule.name} is used twice`);
      names.add(rule.name);
      try {
        assertValidRule(rule, this.#ruleContext());
      } catch (error) {
        throw new Error(
          `alerts.rules ${rule.name}: ${error instanceof RampartError ? error.detail : String(error)}`,
        );
      }
    }
    const channelNames = new Set<string>();
    for (const c of options.catalog.all()) {
      if (channelNames.has(c.name))
        throw new Error(`alerts.channels: the name ${c.name} is used twice`);
      channelNames.add(c.name);
    }
  }

  #ruleContext() {
    return {
      metricExists: (name: string) => registryHasMetric(this.#o.registry, name),
      channelExists: (name: string) => this.#o.catalog.byName(name) !== undefined,
    };
  }

  async rules(): Promise<AlertRule[]> {
    return [...this.#configRules, ...(await this.#o.store.listRules())];
  }

  async rule(id: string): Promise<AlertRule> {
    const rule = (await this.rules()).find((r) => r.id === id);
    if (!rule) throw new RampartError(alertErrors.alert_rule_not_found);
    return rule;
  }

  async createRule(input: AlertRuleInput, by?: ChangeAuthor): Promise<AlertRule> {
    await this.#o.catalog.refresh();
    assertValidRule(input, this.#ruleContext());
    if (this.#configRules.some((r) => r.name === input.name))
      throw new RampartError(alertErrors.alert_rule_name_taken);
    const now = this.#now();
    const rule: AlertRule = {
      ...(input as unknown as AlertRuleDefinition),
      id: uuidv7(now),
      origin: 'api',
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.#o.store.insertRule(rule);
    } catch (error) {
      if (isUniqueViolation(error)) throw new RampartError(alertErrors.alert_rule_name_taken);
      throw error;
    }
    await this.#changed(by, { kind: 'rule', id: rule.id, op: 'created' }, null, ruleJson(rule));
    return rule;
  }

  async updateRule(id: string, input: AlertRuleInput, by?: ChangeAuthor): Promise<AlertRule> {
    const current = await this.rule(id);
    if (current.origin === 'config') throw new RampartError(alertErrors.alert_rule_read_only);
    await this.#o.catalog.refresh();
    assertValidRule(input, this.#ruleContext());
    if (this.#configRules.some((r) => r.name === input.name))
      throw new RampartError(alertErrors.alert_rule_name_taken);
    const rule: AlertRule = {
      ...(input as unknown as AlertRuleDefinition),
      id,
      origin: 'api',
      createdAt: current.createdAt,
      updatedAt: this.#now(),
    };
    try {
      if (!(await this.#o.store.updateRule(rule)))
        throw new RampartError(alertErrors.alert_rule_not_found);
    } catch (error) {
      if (isUniqueViolation(error)) throw new RampartError(alertErrors.alert_rule_name_taken);
      throw error;
    }
    await this.#changed(by, { kind: 'rule', id, op: 'updated' }, ruleJson(current), ruleJson(rule));
    return rule;
  }

  /** Deletes an API rule; each of its firing alerts sends one resolved notification. */
  async deleteRule(id: string, by?: ChangeAuthor): Promise<void> {
    const current = await this.rule(id);
    if (current.origin === 'config') throw new RampartError(alertErrors.alert_rule_read_only);
    if (!(await this.#o.store.deleteRule(id)))
      throw new RampartError(alertErrors.alert_rule_not_found);
    await this.#changed(by, { kind: 'rule', id, op: 'deleted' }, ruleJson(current), null);
    await this.#o.catalog.refresh();
    await resolveAlertsOfDeletedRule(this.#o, current, this.#now());
  }

  #changed(
    by: ChangeAuthor | undefined,
    change: Parameters<typeof publishAlertChange>[2],
    before: unknown,
    after: unknown,
  ): Promise<void> {
    return publishAlertChange(this.#o.events, by, change, before, after);
  }

  async channels(): Promise<ChannelDefinition[]> {
    await this.#o.catalog.refresh();
    return this.#o.catalog.all();
  }

  async channel(id: string): Promise<ChannelDefinition> {
    await this.#o.catalog.refresh();
    const channel = this.#o.catalog.byId(id);
    if (!channel) throw new RampartError(alertErrors.alert_channel_not_found);
    return channel;
  }

  async createChannel(input: AlertChannelInput, by?: ChangeAuthor): Promise<ChannelDefinition> {
    await this.#o.catalog.refresh();
    if (this.#o.catalog.byName(input.name))
      throw new RampartError(alertErrors.alert_channel_name_taken);
    const now = this.#now();
    const stored = {
      id: uuidv7(now),
      name: input.name,
      type: input.type,
      settings: channelSettingsOf(input) as unknown as Record<string, unknown>,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.#o.store.insertChannel(stored);
    } catch (error) {
      if (isUniqueViolation(error)) throw new RampartError(alertErrors.alert_channel_name_taken);
      throw error;
    }
    await this.#o.catalog.refresh();
    const created = await this.channel(stored.id);
    await this.#changed(
      by,
      { kind: 'channel', id: stored.id, op: 'created' },
      null,
      channelJson(created),
    );
    return created;
  }

  async updateChannel(
    id: string,
    input: AlertChannelInput,
    by?: ChangeAuthor,
  ): Promise<ChannelDefinition> {
    const current = await this.channel(id);
    if (current.origin === 'config') throw new RampartError(alertErrors.alert_channel_read_only);
    const other = this.#o.catalog.byName(input.name);
    if (other && other.id !== id) throw new RampartError(alertErrors.alert_channel_name_taken);
    if (input.name !== current.name) await this.#assertUnused(current.name);
    const ok = await this.#o.store.updateChannel({
      id,
      name: input.name,
      type: input.type,
      settings: channelSettingsOf(input) as unknown as Record<string, unknown>,
      createdAt: current.createdAt,
      // Strictly increasing, so the catalog rebuilds the sender.
      updatedAt: Math.max(this.#now(), current.updatedAt + 1),
    });
    if (!ok) throw new RampartError(alertErrors.alert_channel_not_found);
    const updated = await this.channel(id);
    await this.#changed(
      by,
      { kind: 'channel', id, op: 'updated' },
      channelJson(current),
      channelJson(updated),
    );
    return updated;
  }

  async deleteChannel(id: string, by?: ChangeAuthor): Promise<void> {
    const current = await this.channel(id);
    if (current.origin === 'config') throw new RampartError(alertErrors.alert_channel_read_only);
    await this.#assertUnused(current.name);
    if (!(await this.#o.store.deleteChannel(id)))
      throw new RampartError(alertErrors.alert_channel_not_found);
    await this.#changed(by, { kind: 'channel', id, op: 'deleted' }, channelJson(current), null);
  }

  async #assertUnused(name: string): Promise<void> {
    const users = (await this.rules()).filter((r) => r.channels.includes(name)).map((r) => r.name);
    if (users.length > 0)
      throw new RampartError(alertErrors.alert_channel_in_use, { extensions: { rules: users } });
  }

  /** Sends a test notification to one channel now and answers with the recorded delivery. */
  async testChannel(id: string): Promise<DeliveryRecord> {
    const channel = await this.channel(id);
    const now = this.#now();
    return this.#o.dispatcher.deliver(
      {
        id: uuidv7(now),
        status: 'firing',
        fingerprint: 'test',
        ruleId: 'test',
        ruleName: 'rampart-test',
        severity: 'low',
        labels: { alertname: 'rampart-test', severity: 'low' },
        annotations: { summary: `A test notification for the channel ${channel.name}.` },
        value: 0,
        threshold: 0,
        startsAt: now,
        endsAt: null,
        test: true,
      },
      this.#o.catalog.target(channel),
    );
  }

  async silences(): Promise<Silence[]> {
    return this.#o.store.listSilences();
  }

  async createSilence(
    input: { matchers: LabelMatcher[]; startsAt?: number; endsAt: number; comment: string },
    createdBy: string | null,
    by?: ChangeAuthor,
  ): Promise<Silence> {
    const now = this.#now();
    const silence: Silence = {
      id: uuidv7(now),
      matchers: input.matchers,
      startsAt: input.startsAt ?? now,
      endsAt: input.endsAt,
      comment: input.comment,
      createdBy,
      createdAt: now,
    };
    this.#assertSilence(silence);
    await this.#o.store.insertSilence(silence);
    await this.#changed(
      by,
      { kind: 'silence', id: silence.id, op: 'created' },
      null,
      silenceJson(silence, now),
    );
    return silence;
  }

  async updateSilence(
    id: string,
    input: { matchers: LabelMatcher[]; startsAt?: number; endsAt: number; comment: string },
    by?: ChangeAuthor,
  ): Promise<Silence> {
    const current = (await this.silences()).find((s) => s.id === id);
    if (!current) throw new RampartError(alertErrors.alert_silence_not_found);
    const silence: Silence = {
      ...current,
      matchers: input.matchers,
      startsAt: input.startsAt ?? current.startsAt,
      endsAt: input.endsAt,
      comment: input.comment,
    };
    this.#assertSilence(silence);
    if (!(await this.#o.store.updateSilence(silence)))
      throw new RampartError(alertErrors.alert_silence_not_found);
    const now = this.#now();
    await this.#changed(
      by,
      { kind: 'silence', id, op: 'updated' },
      silenceJson(current, now),
      silenceJson(silence, now),
    );
    return silence;
  }

  async deleteSilence(id: string, by?: ChangeAuthor): Promise<void> {
    const current = (await this.silences()).find((s) => s.id === id);
    if (!current || !(await this.#o.store.deleteSilence(id)))
      throw new RampartError(alertErrors.alert_silence_not_found);
    await this.#changed(
      by,
      { kind: 'silence', id, op: 'deleted' },
      silenceJson(current, this.#now()),
      null,
    );
  }

  #assertSilence(s: Silence): void {
    const errors = silenceProblems(s.matchers, s.startsAt, s.endsAt);
    if (errors.length > 0)
      throw new RampartError(alertErrors.alert_silence_invalid, {
        detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
        extensions: { errors },
      });
  }

  /** Alerts now pending or firing. */
  async active(): Promise<(AlertInstance & { ruleName: string; severity: string })[]> {
    const rules = new Map((await this.rules()).map((r) => [r.id, r]));
    return (await this.#o.store.listInstances())
      .filter((i) => i.state !== 'inactive' && rules.has(i.ruleId))
      .map((i) => {
        const rule = rules.get(i.ruleId) as AlertRule;
        return { ...i, ruleName: rule.name, severity: rule.severity };
      });
  }

  history(query: AlertHistoryQuery): Promise<AlertHistoryEntry[]> {
    return this.#o.store.queryHistory(query);
  }

  deliveries(query: DeliveryQuery): Promise<DeliveryRecord[]> {
    return this.#o.store.queryDeliveries(query);
  }
}
