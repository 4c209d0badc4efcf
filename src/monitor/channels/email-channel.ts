import type { Mailer } from '../../mail/mailer.js';
import type { ChannelSender, EmailChannelSettings } from './channel.js';
import { DeliveryError, deliveryIdHeader } from './channel.js';
import { defaultTemplate, escapeHeader, escapeNothing, renderTemplate } from './template.js';

/**
 * Mail through the project's mailer (`mail.*`: SMTP through nodemailer). Plain text, so
 * values need no escaping; the subject is one header line, so line breaks are removed.
 */
export function createEmailSender(settings: EmailChannelSettings, mailer: Mailer): ChannelSender {
  return {
    async send(n, signal, deliveryId) {
      if (mailer.kind === 'none') throw new DeliveryError('mail transport is none', true);
      const subject = renderTemplate(
        '[Rampart {{status}}] {{ruleName}} ({{severity}})',
        n,
        escapeHeader,
      );
      const lines = [renderTemplate(settings.template ?? defaultTemplate, n, escapeNothing), ''];
      for (const [k, v] of Object.entries(n.labels)) lines.push(`${k}: ${v}`);
      lines.push('', `fingerprint: ${n.fingerprint}`);
      // nodemailer takes no AbortSignal; the dispatcher's timeout still bounds the wait.
      if (signal.aborted) throw signal.reason;
      await mailer.send({
        to: settings.to.join(', '),
        subject,
        text: lines.join('\n'),
        // One Message-ID per delivery: a resend after a crash is the same message to a
        // mail store that drops duplicates, and X-Rampart-Delivery names it for filters.
        ...(deliveryId
          ? {
              messageId: `<${deliveryId}@rampart.alerts>`,
              headers: { [deliveryIdHeader]: deliveryId },
            }
          : {}),
      });
    },
  };
}
