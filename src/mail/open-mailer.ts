import type { Logger } from 'pino';
import type { RampartConfig } from '../config/schema.js';
import { createLogMailer, createNullMailer, type Mailer } from './mailer.js';
import { createSmtpMailer } from './smtp-mailer.js';

/** The mailer named by `mail.transport`. */
export function openMailer(config: Pick<RampartConfig, 'mail'>, logger: Logger): Mailer {
  switch (config.mail.transport) {
    case 'smtp':
      if (!config.mail.smtpUrl) throw new Error('mail.smtpUrl is required for the smtp transport');
      return createSmtpMailer({ url: config.mail.smtpUrl, from: config.mail.from });
    case 'log':
      // Development only: the message (which may hold a reset link) goes to the log.
      return createLogMailer((m) =>
        logger.warn(
          { mail: { to: m.to, subject: m.subject, text: m.text } },
          'mail (log transport)',
        ),
      );
    default:
      return createNullMailer();
  }
}
