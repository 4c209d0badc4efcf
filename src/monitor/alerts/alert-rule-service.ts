import type { Registry } from 'prom-client';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import { isUniqueViolation } from '../../storage/sql/sql-errors.js';
import type { ChannelCatalog } from '../channels/channel-catalog.js';
import { alertErrors } from '../errors.js';
import { type ChangeAuthor, publishAlertChange } from './alert-changes.js';
import type { AlertRuleInput } from './alert-schemas.js';
import { resolveAlertsOfRule } from './alert-transitions.js';
import type { AlertRule, AlertRuleDefinition } from './core/alert-rule.js';
import { assertValidRule } from './core/validate.js';
import type { NotificationOutbox } from './notification-outbox.js';
import { registryHasMetric } from './read-metric.js';
import { ruleJson } from './routes/json.js';
import type { AlertStore } from './store.js';

export interface AlertRuleServiceOptions {
  store: AlertStore;
  configRules: readonly AlertRuleInput[];
  catalog: ChannelCatalog;
  outbox: NotificationOutbox;
  registry?: Registry;
  /** Changes through the API are published as `alert.config.changed` (the audit trail). */
  events?: EventPublisher;
  now?: () => number;
}

/**
 * Alert rules: config entries (read-only, validated at start) and API entries (stored).
 * Deleting or disabling a rule resolves its firing alerts with one notification each.
 */
export class AlertRuleService {
  readonly #o: AlertRuleServiceOptions;
  readonly #now: () => number;
  readonly #configRules: readonly AlertRule[];

  constructor(options: AlertRuleServiceOptions) {
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
    // Disabled while firing: its alerts resolve now (one notification each), with the
    // channels the rule had, rather than being forgotten without a word.
    if (current.enabled && !rule.enabled) {
      await this.#o.catalog.refresh();
      await resolveAlertsOfRule(this.#o, current, 'rule_disabled', this.#now());
    }
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
    await resolveAlertsOfRule(this.#o, current, 'rule_deleted', this.#now());
  }

  #changed(
    by: ChangeAuthor | undefined,
    change: Parameters<typeof publishAlertChange>[2],
    before: unknown,
    after: unknown,
  ): Promise<void> {
    return publishAlertChange(this.#o.events, by, change, before, after);
  }
}
