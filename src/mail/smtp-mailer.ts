import { createTransport } from 'nodemailer';
import type { Mailer } from './mailer.js';

export interface SmtpMailerOptions {
  url: string;
  from: string;
}

/** Mail over SMTP through nodemailer (pooled connections, STARTTLS when offered). */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const transport = createTransport(options.url, { from: options.from });
  return {
    kind: 'smtp',
    async send(message) {
      await transport.sendMail({ from: options.from, ...message });
    },
    async close() {
      transport.close();
    },
  };
}
