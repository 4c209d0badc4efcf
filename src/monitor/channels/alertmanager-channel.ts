import {
  type AlertmanagerChannelSettings,
  type ChannelSender,
  deliveryIdHeader,
} from './channel.js';
import { postJson } from './http-post.js';
import { defaultTemplate, escapeNothing, renderTemplate } from './template.js';

/**
 * Feeds an existing Prometheus Alertmanager through its API v2 (`POST /api/v2/alerts`, a
 * list of alerts with labels, annotations, startsAt and, once resolved, endsAt). A resend
 * is harmless there: Alertmanager merges an alert posted twice by its labels.
 */
export function createAlertmanagerSender(
  settings: AlertmanagerChannelSettings,
  generatorUrl?: string,
): ChannelSender {
  const endpoint = `${settings.url.replace(/\/+$/, '')}/api/v2/alerts`;
  return {
    async send(n, signal, deliveryId) {
      const summary = renderTemplate(settings.template ?? defaultTemplate, n, escapeNothing);
      const alert = {
        labels: { ...n.labels, alertname: n.ruleName, severity: n.severity },
        annotations: { ...n.annotations, summary, ...(n.reason ? { reason: n.reason } : {}) },
        startsAt: new Date(n.startsAt).toISOString(),
        ...(n.endsAt !== null ? { endsAt: new Date(n.endsAt).toISOString() } : {}),
        ...(generatorUrl ? { generatorURL: generatorUrl } : {}),
      };
      const headers: Record<string, string> = deliveryId ? { [deliveryIdHeader]: deliveryId } : {};
      await postJson(endpoint, JSON.stringify([alert]), headers, signal);
    },
  };
}
