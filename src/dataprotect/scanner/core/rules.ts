import { crc32 } from 'node:zlib';
import { apiKeyStringPattern, parseApiKeyString } from '../../../shared/api-key-string.js';
import { shannonEntropy } from './entropy.js';

/**
 * One kind of secret the scanner knows. A rule runs only where one of its `keywords`
 * occurs (the prefilter: most text holds no keyword and costs one indexOf per keyword),
 * and then only on the window around the occurrence.
 */
export interface SecretRule {
  /** Stable id, used in baselines, SARIF and the `secret.detected` event. */
  id: string;
  title: string;
  /** Lower-case strings, searched in the lower-cased text; at least one must occur. */
  keywords: readonly string[];
  /** Global regex; group `secret` (or the whole match) is the secret. */
  pattern: RegExp;
  /**
   * `line`: the regex runs on the line holding the keyword. A number: on that many
   * characters from the start of that line (for secrets spanning lines, PEM blocks).
   */
  window: 'line' | number;
  /** Rejects matches that have the shape but not the substance (checksum, placeholder). */
  validate?: (secret: string, match: RegExpExecArray) => boolean;
  /** Rules that match a specific format win over `generic` ones on the same text. */
  generic?: boolean;
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Base62 (0-9A-Za-z) of a 32-bit number, left-padded with 0 to 6 characters. */
export function base62Crc32(text: string): string {
  let n = crc32(Buffer.from(text, 'utf8')) >>> 0;
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = base62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/**
 * GitHub's 2021 token format: prefix, 30 random base62 characters, then CRC-32 of the
 * random part in base62 (github.blog, "Behind GitHub's new authentication token
 * formats"; the same check credsweeper applies).
 */
export function githubTokenChecksumValid(token: string): boolean {
  const body = token.slice(4, -6);
  return body.length === 30 && base62Crc32(body) === token.slice(-6);
}

function decodeBase64UrlJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A password that is a reference or a stand-in, not a value: `${DB_PASSWORD}`, `<pass>`, `****`. */
function isPlaceholder(value: string): boolean {
  if (/^[$%{<[(*]|^x+$|^\.+$/i.test(value)) return true;
  const lower = value.toLowerCase();
  return (
    lower === 'password' ||
    lower === 'pass' ||
    lower === 'secret' ||
    lower === 'changeme' ||
    lower === 'example' ||
    lower.includes('placeholder') ||
    lower.includes('your_') ||
    lower.includes('your-')
  );
}

/** Minimum Shannon entropy (bits per character) of a generic assignment's value. */
export const genericEntropyThreshold = 3.5;

const privateKeyBody = /^[A-Za-z0-9+/=\s]+$/;

export const secretRules: readonly SecretRule[] = [
  {
    id: 'aws-access-key-id',
    title: 'AWS access key id',
    keywords: ['akia', 'asia', 'abia', 'acca'],
    pattern: /\b(?<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b/g,
    window: 'line',
  },
  {
    id: 'aws-secret-access-key',
    title: 'AWS secret access key',
    keywords: ['aws'],
    pattern:
      /aws_?(?:secret)?_?(?:access)?_?key["'`]?\s*(?:[:=]|:=|=>)\s*["'`]?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    window: 'line',
    validate: (secret) => shannonEntropy(secret) >= 4,
  },
  {
    id: 'github-token',
    title: 'GitHub token',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    pattern: /\b(?<secret>gh[pousr]_[0-9A-Za-z]{36})\b/g,
    window: 'line',
    validate: githubTokenChecksumValid,
  },
  {
    id: 'github-fine-grained-token',
    title: 'GitHub fine-grained personal access token',
    keywords: ['github_pat_'],
    pattern: /\b(?<secret>github_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59})\b/g,
    window: 'line',
  },
  {
    id: 'gitlab-token',
    title: 'GitLab personal access token',
    keywords: ['glpat-'],
    pattern: /\b(?<secret>glpat-[0-9A-Za-z_-]{20,64})(?![0-9A-Za-z_-])/g,
    window: 'line',
  },
  {
    id: 'slack-token',
    title: 'Slack token',
    keywords: ['xoxb-', 'xoxa-', 'xoxp-', 'xoxr-', 'xoxs-'],
    pattern: /\b(?<secret>xox[baprs]-[0-9]{8,13}-[0-9A-Za-z-]{8,80})\b/g,
    window: 'line',
  },
  {
    id: 'slack-webhook',
    title: 'Slack incoming webhook URL',
    keywords: ['hooks.slack.com'],
    pattern:
      /(?<secret>https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{8,12}\/B[A-Z0-9]{8,12}\/[A-Za-z0-9]{24})\b/g,
    window: 'line',
  },
  {
    id: 'stripe-live-key',
    title: 'Stripe live secret or restricted key',
    keywords: ['sk_live_', 'rk_live_'],
    pattern: /\b(?<secret>[sr]k_live_[0-9A-Za-z]{24,99})\b/g,
    window: 'line',
  },
  {
    id: 'google-api-key',
    title: 'Google API key',
    keywords: ['aiza'],
    pattern: /\b(?<secret>AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g,
    window: 'line',
  },
  {
    id: 'google-service-account-key',
    title: 'Google service account private key (JSON)',
    keywords: ['"private_key"'],
    pattern:
      /"private_key"\s*:\s*"(?<secret>-----BEGIN (?:RSA )?PRIVATE KEY-----\\n[A-Za-z0-9+/=\\n]{64,}?-----END (?:RSA )?PRIVATE KEY-----(?:\\n)?)"/g,
    window: 'line',
  },
  {
    id: 'private-key',
    title: 'Private key (PEM)',
    keywords: ['-----begin'],
    pattern:
      /-----BEGIN (?<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----(?<body>[\s\S]{64,16384}?)-----END \k<kind>-----/g,
    window: 20_000,
    validate: (_secret, match) => {
      // Headers such as "Proc-Type: 4,ENCRYPTED" precede the base64 of legacy PEM.
      const body = (match.groups?.body ?? '').replace(/^[A-Za-z-]+:.*$/gm, '');
      return privateKeyBody.test(body) && body.replace(/\s/g, '').length >= 64;
    },
  },
  {
    id: 'jwt',
    title: 'JSON Web Token',
    keywords: ['eyj'],
    pattern: /\b(?<secret>eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)/g,
    window: 'line',
    validate: (secret) => {
      const [header, payload] = secret.split('.');
      const h = decodeBase64UrlJson(header ?? '');
      if (typeof h !== 'object' || h === null || typeof (h as { alg?: unknown }).alg !== 'string')
        return false;
      const p = decodeBase64UrlJson(payload ?? '');
      return typeof p === 'object' && p !== null;
    },
  },
  {
    id: 'database-url',
    title: 'Database URL with a password',
    keywords: ['postgres', 'mysql', 'mariadb', 'mongodb', 'redis'],
    pattern:
      /\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?):\/\/[^:@/\s'"`]*:(?<secret>[^@/\s'"`]{3,200})@[^\s'"`/]+/gi,
    window: 'line',
    validate: (secret) => !isPlaceholder(secret),
  },
  {
    id: 'rampart-api-key',
    title: 'Rampart API key',
    keywords: ['rmp_'],
    pattern: new RegExp(`(?<secret>${apiKeyStringPattern.source})`, 'g'),
    window: 'line',
    // A lookalike whose checksum fails is a typo or a made-up string: not reported.
    validate: (secret) => parseApiKeyString(secret).ok,
  },
  {
    id: 'generic-secret-assignment',
    title: 'High-entropy value assigned to a secret-looking name',
    keywords: [
      'password',
      'passwd',
      'pwd',
      'secret',
      'token',
      'api_key',
      'apikey',
      'api-key',
      'access_key',
      'auth_key',
      'private_key',
    ],
    pattern:
      /[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key|private[_-]?key)[\w.-]*["'`]?\s*(?:[:=]|:=|=>|==)\s*["'`](?<secret>[^"'`\s]{10,200})["'`]/gi,
    window: 'line',
    generic: true,
    validate: (secret) =>
      !isPlaceholder(secret) && shannonEntropy(secret) >= genericEntropyThreshold,
  },
];
