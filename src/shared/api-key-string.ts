import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The text form of a Rampart API key, shared by the code that issues keys (identity) and
 * the code that finds leaked ones (the secret scanner):
 *
 *     rmp_<env>_<random>_<checksum>
 *
 * - `rmp_`: a fixed prefix, so scanners (ours, GitHub's push protection, gitleaks) can
 *   recognise a Rampart key by its first bytes;
 * - `<env>`: 2 to 8 lower-case letters and digits naming the deployment (`dev`, `stg`,
 *   `prod`), so a key pasted into the wrong environment is recognisable at a glance;
 * - `<random>`: 43 base62 characters from the CSPRNG (256 bits: 43 × log2 62 ≈ 256.03);
 * - `<checksum>`: CRC-32 (IEEE 802.3, as zlib computes it) of the UTF-8 bytes of
 *   `rmp_<env>_<random>`, written in base62 (`0-9A-Za-z`), left-padded with `0` to 6
 *   characters (62^6 > 2^32).
 *
 * The checksum is not a secret and proves nothing about the key's validity on a server:
 * it lets a scanner or a support tool tell a real key from a typo or a made-up string
 * without a network call (the same idea as GitHub's token format).
 */
export const apiKeyPrefix = 'rmp_';
export const apiKeyRandomLength = 43;
export const apiKeyChecksumLength = 6;
/** Bounds on a key string's length: `rmp_`, 2 to 8 `<env>` characters, `_`, random, `_`, checksum. */
export const apiKeyMinLength =
  apiKeyPrefix.length + 2 + 1 + apiKeyRandomLength + 1 + apiKeyChecksumLength;
export const apiKeyMaxLength = apiKeyMinLength + 6;

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const envPattern = /^[a-z][a-z0-9]{1,7}$/;
const shape = /^rmp_([a-z][a-z0-9]{1,7})_([0-9A-Za-z]{43})_([0-9A-Za-z]{6})$/;

/**
 * Finds candidate key strings in text (global; reset `lastIndex` or use `matchAll`). A
 * match still needs {@link parseApiKeyString} to check its checksum.
 */
export const apiKeyStringPattern = /\brmp_[a-z][a-z0-9]{1,7}_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}\b/g;

export type ApiKeyEnvironment = string;

/** The `<env>` part for a Rampart deployment environment. */
export function apiKeyEnvironmentFor(env: 'development' | 'staging' | 'production'): string {
  return env === 'production' ? 'prod' : env === 'staging' ? 'stg' : 'dev';
}

/** Base62 CRC-32 of `body` (`rmp_<env>_<random>`), 6 characters. */
export function apiKeyChecksum(body: string): string {
  let n = crc32(Buffer.from(body, 'utf8')) >>> 0;
  let out = '';
  for (let i = 0; i < apiKeyChecksumLength; i++) {
    out = base62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 * 62: rejecting larger bytes keeps every character equally likely.
      if (byte < 248) out += base62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/**
 * Makes a new API key string. Only identity's key issuance should call this; store a
 * hash of the result, never the result.
 *
 * @example
 * const key = createApiKeyString({ env: 'prod' }); // 'rmp_prod_3kT…_0aZ9xQ'
 */
export function createApiKeyString(options: { env: ApiKeyEnvironment; random?: string }): string {
  if (!envPattern.test(options.env))
    throw new Error('API key environment must be 2-8 lower-case letters or digits');
  const random = options.random ?? randomBase62(apiKeyRandomLength);
  if (!/^[0-9A-Za-z]+$/.test(random) || random.length !== apiKeyRandomLength)
    throw new Error(`API key random part must be ${apiKeyRandomLength} base62 characters`);
  const body = `${apiKeyPrefix}${options.env}_${random}`;
  return `${body}_${apiKeyChecksum(body)}`;
}

/**
 * True when `text` could be a key string: its prefix and length, what {@link
 * parseApiKeyString} checks first, without its regular expression or checksum. A string
 * refused here is refused by the parse as `not_an_api_key` too.
 */
export function mayBeApiKeyString(text: string): boolean {
  return (
    text.length >= apiKeyMinLength &&
    text.length <= apiKeyMaxLength &&
    text.startsWith(apiKeyPrefix)
  );
}

export type ApiKeyStringParse =
  | { ok: true; env: string; random: string; checksum: string }
  /**
   * `not_an_api_key`: the text does not have the shape of a Rampart key.
   * `bad_checksum`: it has the shape, but the checksum does not match: a typo, a
   * truncated copy or a made-up string, never a key Rampart issued.
   */
  | { ok: false; reason: 'not_an_api_key' | 'bad_checksum' };

/**
 * Checks the shape and checksum of a key string, offline.
 *
 * @example
 * const parsed = parseApiKeyString(input.trim());
 * if (!parsed.ok && parsed.reason === 'bad_checksum') console.log('a typo?');
 */
export function parseApiKeyString(text: string): ApiKeyStringParse {
  const m = shape.exec(text);
  if (!m) return { ok: false, reason: 'not_an_api_key' };
  const [, env, random, checksum] = m as unknown as [string, string, string, string];
  if (apiKeyChecksum(`${apiKeyPrefix}${env}_${random}`) !== checksum)
    return { ok: false, reason: 'bad_checksum' };
  return { ok: true, env, random, checksum };
}
