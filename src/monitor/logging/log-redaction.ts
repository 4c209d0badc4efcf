/**
 * The second line of log redaction, after pino's explicit paths (logger.ts): a walk over
 * each logged object that censors values under sensitive key names at any depth, and
 * Rampart API keys or JWTs found inside any string. The paths catch the known shapes at
 * no cost; this catches the shapes nobody foresaw (a secret nested in `details.config`).
 */

/**
 * A pluggable redaction step run on every logged object before it is written (the seam
 * for the data-classification registry). Returns the object to write: the same one when
 * nothing changed, or a copy. It must not mutate its input, which belongs to the caller.
 */
export type LogRedactor = (line: Record<string, unknown>) => Record<string, unknown>;

export const redactedValue = '[redacted]';

// Normalised names (lower case, no `-` or `_`): exact matches, then suffixes.
const sensitiveNames = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'apikey',
  'xapikey',
  'masterkey',
  'masterkeyprevious',
  'privatekey',
  'recoverycode',
  'recoverycodes',
  'otpauthurl',
  'qrcode',
  'credential',
  'credentials',
]);
const sensitiveSuffixes = ['password', 'passwd', 'secret', 'token', 'passphrase'];

function isSensitiveName(key: string): boolean {
  const n = key.toLowerCase().replace(/[-_]/g, '');
  return sensitiveNames.has(n) || sensitiveSuffixes.some((s) => n.endsWith(s));
}

// Log keys repeat endlessly, so each name is classified once; the cache is bounded
// because keys can come from input (a map keyed by user data must not grow forever).
const keyVerdicts = new Map<string, boolean>();
const maxCachedKeys = 4096;

/** True when a value logged under `key` is a credential by its name alone. */
export function isSensitiveKey(key: string): boolean {
  const cached = keyVerdicts.get(key);
  if (cached !== undefined) return cached;
  const verdict = isSensitiveName(key);
  if (keyVerdicts.size < maxCachedKeys) keyVerdicts.set(key, verdict);
  return verdict;
}

// Rampart API keys (src/shared/api-key-string.ts) and compact JWS/JWTs (RFC 7515 §7.1).
const apiKeyPattern = /rmp_[a-z0-9]{1,16}_[A-Za-z0-9]{20,}(?:_[A-Za-z0-9]{6})?/g;
const jwtPattern = /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

const minCredentialLength = 24;

/** `text` with every API key and JWT in it censored. */
export function redactCredentialsIn(text: string): string {
  // Shorter than the shortest API key or JWT either pattern accepts.
  if (text.length < minCredentialLength) return text;
  let out = text;
  // `includes` first: the regular expressions run only on the rare string that may match.
  if (out.includes('rmp_')) out = out.replace(apiKeyPattern, redactedValue);
  if (out.includes('eyJ')) out = out.replace(jwtPattern, redactedValue);
  return out;
}

const maxDepth = 8;

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactCredentialsIn(value);
  if (typeof value !== 'object' || value === null || depth >= maxDepth) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = scrubValue(value[i], depth + 1);
      if (next !== value[i]) {
        copy ??= value.slice();
        copy[i] = next;
      }
    }
    return copy ?? value;
  }
  // Errors, dates and buffers are left to pino's serializers and paths.
  if (!isPlainObject(value)) return value;
  return scrubObject(value, depth);
}

function scrubObject(obj: Record<string, unknown>, depth: number): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  // Object.keys over for…in: own keys only, and measurably faster on the per-request line.
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const value = obj[key];
    const next =
      isSensitiveKey(key) && value !== undefined && value !== null
        ? redactedValue
        : scrubValue(value, depth + 1);
    if (next !== value) {
      copy ??= { ...obj };
      copy[key] = next;
    }
  }
  return copy ?? obj;
}

/**
 * The default redaction every log line gets, whatever else is configured: values under
 * sensitive names (password, token, secret, authorization, cookie, API key…) at any depth,
 * and API keys or JWTs inside strings. Copy-on-write: unchanged objects are returned as is.
 *
 * @example
 * redactSensitive({ user: 'ada', nested: { refresh_token: 'x' } });
 * // → { user: 'ada', nested: { refresh_token: '[redacted]' } }
 */
export function redactSensitive(line: Record<string, unknown>): Record<string, unknown> {
  return scrubObject(line, 0);
}
