import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import { isUniqueViolation } from '../../storage/sql/sql-errors.js';
import type { ChannelDefinition } from '../channels/channel.js';
import { type ChannelCatalog, channelSettingsOf } from '../channels/channel-catalog.js';
import type { ChannelDispatcher } from '../channels/dispatcher.js';
import { alertErrors } from '../errors.js';
import { type ChangeAuthor, publishAlertChange } from './alert-changes.js';
import type { AlertChannelInput } from './alert-schemas.js';
import type { AlertRule } from './core/alert-rule.js';
import { channelJson } from './routes/json.js';
import type { AlertStore, DeliveryRecord } from './store.js';

export interface AlertChannelServiceOptions {
  store: AlertStore;
  catalog: ChannelCatalog;
  dispatcher: ChannelDispatcher;
  /** Every rule: a channel a rule names cannot be renamed or deleted. */
  rules: () => Promise<readonly AlertRule[]>;
  events?: EventPublisher;
  now?: () => number;
}

/** Notification channels: config entries (read-only) and API entries (settings sealed). */
export class AlertChannelService {
  readonly #o: AlertChannelServiceOptions;
  readonly #now: () => number;

  constructor(options: AlertChannelServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    const channelNames = new Set<string>();
    for (const c of options.catalog.all()) {
      if (channelNames.has(c.name))
        throw new Error(`alerts.channels: the name ${c.name} is used twice`);
      channelNames.add(c.name);
    }
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
    const users = (await this.#o.rules())
      .filter((r) => r.channels.includes(name))
      .map((r) => r.name);
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

  #changed(
    by: ChangeAuthor | undefined,
    change: Parameters<typeof publishAlertChange>[2],
    before: unknown,
    after: unknown,
  ): Promise<void> {
    return publishAlertChange(this.#o.events, by, change, before, after);
  }
}
