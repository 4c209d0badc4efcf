import { type ChannelSender, deliveryIdHeader, type SlackChannelSettings } from './channel.js';
import { postJson } from './http-post.js';
import { defaultTemplate, escapeSlack, renderTemplate } from './template.js';

/** A Slack incoming webhook: `{"text": …}` with mrkdwn control characters escaped. */
export function createSlackSender(settings: SlackChannelSettings): ChannelSender {
  return {
    async send(n, signal, deliveryId) {
      const text = renderTemplate(settings.template ?? defaultTemplate, n, escapeSlack);
      // Slack keeps no delivery ids; the header serves a proxy or a Slack-compatible receiver.
      const headers: Record<string, string> = deliveryId ? { [deliveryIdHeader]: deliveryId } : {};
      await postJson(settings.url, JSON.stringify({ text }), headers, signal);
    },
  };
}
