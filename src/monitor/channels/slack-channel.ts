import type { ChannelSender, SlackChannelSettings } from './channel.js';
import { postJson } from './http-post.js';
import { defaultTemplate, escapeSlack, renderTemplate } from './template.js';

/** A Slack incoming webhook: `{"text": …}` with mrkdwn control characters escaped. */
export function createSlackSender(settings: SlackChannelSettings): ChannelSender {
  return {
    async send(n, signal) {
      const text = renderTemplate(settings.template ?? defaultTemplate, n, escapeSlack);
      await postJson(settings.url, JSON.stringify({ text }), {}, signal);
    },
  };
}
