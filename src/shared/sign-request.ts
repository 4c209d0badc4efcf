import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Signed requests: a client proves it holds an API key's signing secret and that this
 * exact request (method, path, query, body) was made now and only once, without sending
 * the secret. Shared by the client helper below and the server's verifier.
 *
 * Headers: `X-Key-Id` (the API key's id), `X-Timestamp` (Unix seconds), `X-Nonce` (16-128
 * characters of `A-Za-z0-9_-`, new for every request) and `X-Signature`: base64url of
 * HMAC-SHA256, keyed with the UTF-8 bytes of the signing secret, over the lines
 *
 *     RAMPART-HMAC-SHA256
 *     <METHOD>
 *     <path, exactly as sent, without the query>
 *     <query, exactly as sent, without the "?" ("" when none)>
 *     <timestamp>
 *     <nonce>
 *     <hex SHA-256 of the body bytes (of "" when there is no body)>
 *
 * joined with "\n". The server refuses a timestamp more than `signedRequests.maxSkew`
 * seconds away from its clock and a nonce it has seen within that window, on every node.
 */
export const signatureAlgorithm = 'RAMPART-HMAC-SHA256';
export const signatureHeaderNames = {
  keyId: 'x-key-id',
  timestamp: 'x-timestamp',
  nonce: 'x-nonce',
  signature: 'x-signature',
} as const;
export const noncePattern = /^[A-Za-z0-9_-]{16,128}$/;

export interface CanonicalRequestParts {
  method: string;
  /** Path as sent, e.g. `/v1/orders/42`. */
  path: string;
  /** Query as sent, without `?`; `''` when none. */
  query: string;
  timestamp: string;
  nonce: string;
  /** Hex SHA-256 of the body bytes. */
  bodySha256: string;
}

export function canonicalRequest(parts: CanonicalRequestParts): string {
  return [
    signatureAlgorithm,
    parts.method.toUpperCase(),
    parts.path,
    parts.query,
    parts.timestamp,
    parts.nonce,
    parts.bodySha256,
  ].join('\n');
}

export function bodyDigest(body: string | Uint8Array | undefined): string {
  const hash = createHash('sha256');
  if (body !== undefined) hash.update(body);
  return hash.digest('hex');
}

export function computeSignature(secret: string, parts: CanonicalRequestParts): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(canonicalRequest(parts), 'utf8')
    .digest('base64url');
}

/** Splits a request target (`/path?query` or an absolute URL) into path and query as sent. */
export function splitTarget(target: string | URL): { path: string; query: string } {
  const text =
    typeof target === 'string' && target.startsWith('/')
      ? target
      : (() => {
          const u = typeof target === 'string' ? new URL(target) : target;
          return `${u.pathname}${u.search}`;
        })();
  const q = text.indexOf('?');
  return q === -1
    ? { path: text, query: '' }
    : { path: text.slice(0, q), query: text.slice(q + 1) };
}

export interface SignRequestInput {
  /** The API key's id (not the key itself). */
  keyId: string;
  /** The signing secret shown once when the key was issued with `signing: true`. */
  secret: string;
  method: string;
  /** The URL (or `/path?query`) exactly as it will be sent. */
  url: string | URL;
  /** The body bytes exactly as they will be sent. */
  body?: string | Uint8Array;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** Defaults to 128 random bits. */
  nonce?: string;
}

/**
 * The headers that sign one request. Send them with the request unchanged; sign every
 * request anew (a nonce works once).
 *
 * @example
 * const body = JSON.stringify({ amount: 100 });
 * const headers = signRequest({ keyId, secret, method: 'POST', url, body });
 * await fetch(url, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } });
 */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const { path, query } = splitTarget(input.url);
  const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = input.nonce ?? randomBytes(16).toString('base64url');
  if (!noncePattern.test(nonce)) throw new Error('nonce must be 16-128 characters of A-Za-z0-9_-');
  const signature = computeSignature(input.secret, {
    method: input.method,
    path,
    query,
    timestamp,
    nonce,
    bodySha256: bodyDigest(input.body),
  });
  return {
    [signatureHeaderNames.keyId]: input.keyId,
    [signatureHeaderNames.timestamp]: timestamp,
    [signatureHeaderNames.nonce]: nonce,
    [signatureHeaderNames.signature]: signature,
  };
}
