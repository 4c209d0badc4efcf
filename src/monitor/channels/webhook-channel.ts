import type { AlertNotification } from '../alerts/core/alert-rule.js';
import { type ChannelSender, deliveryIdHeader, type WebhookChannelSettings } from './channel.js';
import { postJson } from './http-post.js';
import { defaultTemplate, escapeNothing, renderTemplate } from './template.js';
import { signWebhookBody } from './webhook-signature.js';

/** The JSON a generic webhook receives (stable: receivers parse it). */
export function webhookPayload(n: AlertNotification, text: string, deliveryId?: string) {
  return {
    version: '1',
    status: n.status,
    test: n.test === true,
    text,
    // Signed with the body, unlike the header; the same on every resend.
    ...(deliveryId ? { deliveryId } : {}),
    alert: {
      id: n.id,
      fingerprint: n.fingerprint,
      rule: { id: n.ruleId, name: n.ruleName },
      severity: n.severity,
      labels: n.labels,
      annotations: n.annotations,
      value: n.value,
      threshold: n.threshold,
      startsAt: new Date(n.startsAt).toISOString(),
      endsAt: n.endsAt === null ? null : new Date(n.endsAt).toISOString(),
      ...(n.reason ? { reason: n.reason } : {}),
    },
  };
}

/** A generic JSON webhook, signed with the channel's secret (X-Rampart-Signature). */
export function createWebhookSender(
  settings: WebhookChannelSettings,
  now: () => number = Date.now,
): ChannelSender {
  return {
    async send(n, signal, deliveryId) {
      // The template is text inside JSON: JSON.stringify escapes it, nothing else to do.
      const text = renderTemplate(settings.template ?? defaultTemplate, n, escapeNothing);
      const body = JSON.stringify(webhookPayload(n, text, deliveryId));
      const signature = signWebhookBody(settings.secret, body, Math.floor(now() / 1000));
      const headers: Record<string, string> = { 'x-rampart-signature': signature };
      if (deliveryId) headers[deliveryIdHeader] = deliveryId;
      await postJson(settings.url, body, headers, signal);
    },
  };
}
