import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope sender (MAIL FROM). */
  from: string;
  /** Envelope recipients (RCPT TO), lower-cased. */
  to: string[];
  subject: string;
  /** The decoded text body. */
  text: string;
  /** The message exactly as it crossed the wire. */
  raw: string;
}

export interface SmtpSink {
  /** smtp://127.0.0.1:<port> — give it to `mail.smtpUrl`. */
  readonly url: string;
  readonly messages: readonly ReceivedMail[];
  /** Messages received for `address` so far. */
  messagesFor(address: string): ReceivedMail[];
  /**
   * The next message for `address` not yet returned by `nextFor` (waits for it):
   * successive calls hand out successive messages.
   */
  nextFor(address: string, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** Header fields of a single-part message, unfolded (RFC 5322 §2.2.3), names lower-cased. */
function parseHeaders(head: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

/** RFC 2045 §6.7: soft line breaks and =XX octets. */
function decodeQuotedPrintable(body: string): string {
  const bytes = body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** RFC 2047 encoded words in a header (=?utf-8?Q?…?= / =?utf-8?B?…?=). */
function decodeEncodedWords(value: string): string {
  return value.replace(
    /=\?[^?]+\?([QqBb])\?([^?]*)\?=\s*/g,
    (_m, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
  );
}

/** Parses the single-part text messages Rampart sends; no MIME multipart support needed. */
export function parseMail(raw: string): { subject: string; text: string } {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers = parseHeaders(head);
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const text =
    encoding === 'quoted-printable'
      ? decodeQuotedPrintable(body)
      : encoding === 'base64'
        ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
        : body;
  return {
    subject: decodeEncodedWords(headers.get('subject') ?? ''),
    text: text.replace(/\r\n/g, '\n'),
  };
}

/**
 * A real SMTP server on loopback that keeps every message, for tests that follow mail
 * end to end. Plain SMTP without STARTTLS or AUTH: nodemailer then sends in clear, as it
 * would to a local relay.
 *
 * @example
 * const sink = await startSmtpSink();
 * const r = await startTestRampart({ overrides: { mail: { transport: 'smtp', smtpUrl: sink.url } } });
 * const mail = await sink.nextFor('alice@example.com');
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const handedOut = new Map<string, number>();
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const { envelope } = session;
        messages.push({
          from: envelope.mailFrom ? envelope.mailFrom.address : '',
          to: envelope.rcptTo.map((r) => r.address.toLowerCase()),
          ...parseMail(raw),
          raw,
        });
        for (const wake of [...waiters]) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  const messagesFor = (address: string) =>
    messages.filter((m) => m.to.includes(address.toLowerCase()));

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    messagesFor,
    nextFor(address, timeoutMs = 10_000) {
      const key = address.toLowerCase();
      return new Promise((resolve, reject) => {
        const take = (): boolean => {
          const index = handedOut.get(key) ?? 0;
          const mail = messagesFor(key)[index];
          if (!mail) return false;
          handedOut.set(key, index + 1);
          resolve(mail);
          return true;
        };
        if (take()) return;
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no mail for ${address} within ${timeoutMs} ms`));
        }, timeoutMs);
        const wake = () => {
          if (take()) {
            clearTimeout(timer);
            waiters.delete(wake);
          }
        };
        waiters.add(wake);
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
