import type { Registry } from 'prom-client';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import type { ChannelDefinition } from '../channels/channel.js';
import type { ChannelCatalog } from '../channels/channel-catalog.js';
import type { ChannelDispatcher } from '../channels/dispatcher.js';
import { alertErrors } from '../errors.js';
import { type ChangeAuthor, publishAlertChange } from './alert-changes.js';
import { AlertChannelService } from './alert-channel-service.js';
import { AlertRuleService } from './alert-rule-service.js';
import type { AlertChannelInput, AlertRuleInput } from './alert-schemas.js';
import type { AlertInstance, AlertRule, LabelMatcher, Silence } from './core/alert-rule.js';
import { silenceProblems } from './core/validate.js';
import type { NotificationOutbox } from './notification-outbox.js';
import { silenceJson } from './routes/json.js';
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
  outbox: NotificationOutbox;
  registry?: Registry;
  /** Changes through the API are published as `alert.config.changed` (the audit trail). */
  events?: EventPublisher;
  now?: () => number;
}

/**
 * The alert API's operations: rules (`AlertRuleService`), channels
 * (`AlertChannelService`), silences, active alerts, history and deliveries.
 */
export class AlertService {
  readonly #o: AlertServiceOptions;
  readonly #now: () => number;
  readonly #rules: AlertRuleService;
  readonly #channels: AlertChannelService;

  constructor(options: AlertServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#rules = new AlertRuleService(options);
    this.#channels = new AlertChannelService({
      ...options,
      rules: () => this.#rules.rules(),
    });
  }

  rules(): Promise<AlertRule[]> {
    return this.#rules.rules();
  }

  rule(id: string): Promise<AlertRule> {
    return this.#rules.rule(id);
  }

  createRule(input: AlertRuleInput, by?: ChangeAuthor): Promise<AlertRule> {
    return this.#rules.createRule(input, by);
  }

  updateRule(id: string, input: AlertRuleInput, by?: ChangeAuthor): Promise<AlertRule> {
    return this.#rules.updateRule(id, input, by);
  }

  /** Deletes an API rule; each of its firing alerts sends one resolved notification. */
  deleteRule(id: string, by?: ChangeAuthor): Promise<void> {
    return this.#rules.deleteRule(id, by);
  }

  channels(): Promise<ChannelDefinition[]> {
    return this.#channels.channels();
  }

  channel(id: string): Promise<ChannelDefinition> {
    return this.#channels.channel(id);
  }

  createChannel(input: AlertChannelInput, by?: ChangeAuthor): Promise<ChannelDefinition> {
    return this.#channels.createChannel(input, by);
  }

  updateChannel(id: string, input: AlertChannelInput, by?: ChangeAuthor) {
    return this.#channels.updateChannel(id, input, by);
  }

  deleteChannel(id: string, by?: ChangeAuthor): Promise<void> {
    return this.#channels.deleteChannel(id, by);
  }

  /** Sends a test notification to one channel now and answers with the recorded delivery. */
  testChannel(id: string): Promise<DeliveryRecord> {
    return this.#channels.testChannel(id);
  }

  #changed(
    by: ChangeAuthor | undefined,
    change: Parameters<typeof publishAlertChange>[2],
    before: unknown,
    after: unknown,
  ): Promise<void> {
    return publishAlertChange(this.#o.events, by, change, before, after);
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
