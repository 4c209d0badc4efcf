/*
 * The RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers
 * (structured-field form, draft 08 and later): a list of quota policies, each an sf-string
 * name with parameters.
 *   RateLimit-Policy: "default";q=100;w=60     q quota units, w window in seconds
 *   RateLimit: "default";r=42;t=17             r remaining units, t seconds until reset
 */

/** An sf-string (RFC 8941 §3.3.3): quotes and backslashes escaped. */
function sfString(value: string): string {
  // Policy names rarely hold either character: skip the replace.
  if (!value.includes('"') && !value.includes('\\')) return `"${value}"`;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function formatRateLimitPolicy(name: string, limit: number, windowSeconds: number): string {
  return `${sfString(name)};q=${limit};w=${windowSeconds}`;
}

export function formatRateLimit(name: string, remaining: number, resetMs: number): string {
  return formatRateLimitAfter(rateLimitPrefix(name), remaining, resetMs);
}

/** The part of a RateLimit value that does not change between decisions: `"name";r=`. */
export function rateLimitPrefix(name: string): string {
  return `${sfString(name)};r=`;
}

/**
 * {@link formatRateLimit} from the policy's {@link rateLimitPrefix}, formatted once.
 * Joined rather than concatenated: a concatenation is a rope to V8, which node:http's
 * check of the header value flattens in a runtime call (~1,500 instructions per request,
 * bench/tools/instructions-per-request.js); `join` writes one flat string.
 */
export function formatRateLimitAfter(prefix: string, remaining: number, resetMs: number): string {
  return [prefix, Math.max(0, remaining), ';t=', Math.ceil(resetMs / 1000)].join('');
}

/** Retry-After in whole seconds (RFC 9110 §10.2.3), never 0: a client retrying at once would be refused. */
export function formatRetryAfter(retryAfterMs: number): string {
  return String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
}
