/** The port every capability sends mail through (password resets, lockout notices, alerts). */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** The Message-ID (with its angle brackets); a resend with the same id is a duplicate. */
  messageId?: string;
  /** Extra header lines (names and values without line breaks). */
  headers?: Record<string, string>;
}

export interface Mailer {
  readonly kind: 'smtp' | 'log' | 'none';
  /** Resolves once the message is accepted by the transport; rejects if it was not. */
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

/** Development transport: every message becomes a log line (never use in production). */
export function createLogMailer(log: (message: MailMessage) => void): Mailer {
  return {
    kind: 'log',
    async send(message) {
      log(message);
    },
    async close() {},
  };
}

export function createNullMailer(): Mailer {
  return { kind: 'none', async send() {}, async close() {} };
}
