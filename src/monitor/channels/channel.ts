import type { AlertNotification } from '../alerts/core/alert-rule.js';

export type ChannelType = 'email' | 'slack' | 'webhook' | 'alertmanager';

export interface EmailChannelSettings {
  to: string[];
  template?: string;
}

export interface SlackChannelSettings {
  /** The incoming-webhook URL (a secret: whoever has it can post). */
  url: string;
  template?: string;
}

export interface WebhookChannelSettings {
  url: string;
  /** Signs every body (X-Rampart-Signature); at least 16 characters. */
  secret: string;
  template?: string;
}

export interface AlertmanagerChannelSettings {
  /** Alertmanager's base URL; Rampart posts to `<url>/api/v2/alerts`. */
  url: string;
  template?: string;
}

export type ChannelSettings =
  | EmailChannelSettings
  | SlackChannelSettings
  | WebhookChannelSettings
  | AlertmanagerChannelSettings;

/** A notification channel, from the config file or the API. */
export interface ChannelDefinition {
  id: string;
  name: string;
  type: ChannelType;
  settings: ChannelSettings;
  origin: 'config' | 'api';
  createdAt: number;
  updatedAt: number;
}

/**
 * Sends one notification once; the dispatcher adds retries, timeouts and the breaker.
 * `deliveryId` is the same for every attempt and every resend of one notification to one
 * channel (after a crash too): receivers drop a delivery id they have already seen.
 */
export interface ChannelSender {
  send(notification: AlertNotification, signal: AbortSignal, deliveryId?: string): Promise<void>;
}

/** The header carrying the delivery id on webhook, Slack and Alertmanager requests. */
export const deliveryIdHeader = 'x-rampart-delivery';

/**
 * A delivery attempt failed. `permanent`: retrying cannot help (a 4xx other than 408 and
 * 429: the receiver refuses this request as it is).
 */
export class DeliveryError extends Error {
  constructor(
    readonly reason: string,
    readonly permanent = false,
  ) {
    super(reason);
    this.name = 'DeliveryError';
  }
}
