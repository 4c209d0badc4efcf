import type { Mailer } from '../../mail/mailer.js';
import type { AlertChannelInput } from '../alerts/alert-schemas.js';
import type { AlertStore } from '../alerts/store.js';
import { createAlertmanagerSender } from './alertmanager-channel.js';
import type {
  AlertmanagerChannelSettings,
  ChannelDefinition,
  ChannelSender,
  ChannelSettings,
  EmailChannelSettings,
  SlackChannelSettings,
  WebhookChannelSettings,
} from './channel.js';
import type { Target } from './dispatcher.js';
import { createEmailSender } from './email-channel.js';
import { createSlackSender } from './slack-channel.js';
import { createWebhookSender } from './webhook-channel.js';

export function createSender(
  channel: ChannelDefinition,
  mailer: Mailer,
  generatorUrl?: string,
): ChannelSender {
  switch (channel.type) {
    case 'email':
      return createEmailSender(channel.settings as EmailChannelSettings, mailer);
    case 'slack':
      return createSlackSender(channel.settings as SlackChannelSettings);
    case 'webhook':
      return createWebhookSender(channel.settings as WebhookChannelSettings);
    case 'alertmanager':
      return createAlertmanagerSender(
        channel.settings as AlertmanagerChannelSettings,
        generatorUrl,
      );
  }
}

/** Splits a config or API channel document into its name, type and settings. */
export function channelSettingsOf(input: AlertChannelInput): ChannelSettings {
  const { name: _name, type: _type, ...settings } = input;
  return settings as ChannelSettings;
}

/**
 * Every channel, from the config file and the API: names resolve to senders (rebuilt when
 * a channel changes). API channels are reloaded from the store before each evaluation,
 * so a channel added on any node is used by the leader.
 */
export class ChannelCatalog {
  readonly #config: readonly ChannelDefinition[];
  readonly #store: AlertStore;
  readonly #mailer: Mailer;
  readonly #generatorUrl: string | undefined;
  #api: ChannelDefinition[] = [];
  readonly #senders = new Map<string, { version: number; sender: ChannelSender }>();

  constructor(options: {
    config: readonly AlertChannelInput[];
    store: AlertStore;
    mailer: Mailer;
    generatorUrl?: string;
  }) {
    this.#config = options.config.map((c) => ({
      id: `config:${c.name}`,
      name: c.name,
      type: c.type,
      settings: channelSettingsOf(c),
      origin: 'config' as const,
      createdAt: 0,
      updatedAt: 0,
    }));
    this.#store = options.store;
    this.#mailer = options.mailer;
    this.#generatorUrl = options.generatorUrl;
  }

  async refresh(): Promise<void> {
    this.#api = (await this.#store.listChannels()).map((c) => ({
      ...c,
      settings: c.settings as unknown as ChannelSettings,
      origin: 'api' as const,
    }));
  }

  all(): ChannelDefinition[] {
    return [...this.#config, ...this.#api];
  }

  byName(name: string): ChannelDefinition | undefined {
    return this.#config.find((c) => c.name === name) ?? this.#api.find((c) => c.name === name);
  }

  byId(id: string): ChannelDefinition | undefined {
    return this.all().find((c) => c.id === id);
  }

  target(channel: ChannelDefinition): Target {
    const cached = this.#senders.get(channel.id);
    if (cached && cached.version === channel.updatedAt)
      return { name: channel.name, sender: cached.sender };
    const sender = createSender(channel, this.#mailer, this.#generatorUrl);
    this.#senders.set(channel.id, { version: channel.updatedAt, sender });
    return { name: channel.name, sender };
  }

  /** Targets for channel names; unknown names (a channel deleted since) are skipped. */
  targets(names: readonly string[]): Target[] {
    const out: Target[] = [];
    for (const name of names) {
      const channel = this.byName(name);
      if (channel) out.push(this.target(channel));
    }
    return out;
  }
}
