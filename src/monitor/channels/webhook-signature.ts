import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a webhook receiver verifies: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const webhookSignatureHeader = 'x-rampart-signature';

/** `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function signWebhookBody(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export interface VerifyWebhookSignatureOptions {
  /** The channel's secret. */
  secret: string;
  /** The X-Rampart-Signature header as received. */
  header: string | undefined;
  /** The raw request body, exactly as received (before any JSON parsing). */
  body: string | Buffer;
  /** Largest accepted age (and clock skew) of the timestamp, in seconds; default 300. */
  toleranceSeconds?: number;
  /** Current time in ms (tests). */
  now?: number;
}

/**
 * Verifies a Rampart webhook: the HMAC over the timestamp and the raw body, compared in
 * constant time, and a timestamp within the tolerance (a captured request cannot be
 * replayed later).
 *
 * @example
 * import { verifyWebhookSignature } from 'rampart';
 * if (!verifyWebhookSignature({ secret, header: req.headers['x-rampart-signature'], body: rawBody }))
 *   return res.writeHead(401).end();
 */
export function verifyWebhookSignature(options: VerifyWebhookSignatureOptions): boolean {
  const { header } = options;
  if (typeof header !== 'string' || header.length > 512) return false;
  let t: string | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') t = value;
    else if (key === 'v1') candidates.push(value);
  }
  if (t === undefined || !/^\d{1,12}$/.test(t) || candidates.length === 0) return false;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - Number(t)) > (options.toleranceSeconds ?? 300)) return false;
  // Over the bytes as received: re-encoding a body could change what was signed.
  const expected = Buffer.from(
    createHmac('sha256', options.secret).update(`${t}.`).update(options.body).digest('hex'),
  );
  return candidates.some((c) => {
    const given = Buffer.from(c);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
