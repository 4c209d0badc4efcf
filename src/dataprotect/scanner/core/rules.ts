import { crc32 } from 'node:zlib';
import { apiKeyStringPattern, parseApiKeyString } from '../../../shared/api-key-string.js';
import { shannonEntropy } from './entropy.js';

/**
 * One kind of secret the scanner knows. A rule's pattern runs only where its prefilter
 * fires, so the cost of a rule follows the number of hits, not the size of the text.
 * One SIMD pass over the bytes (simd-prefilter.ts) finds the places where any rule's
 * trigger starts:
 *
 * - `keywords`: literal strings (exact case) at which a match starts; the first three
 *   characters are the trigger, so choose literals whose first three are rare in code
 *   (`k_live_` rather than `sk_live_` or `_live_`); the pattern then runs anchored
 *   (sticky) there;
 * - `anchor`: for rules without a telling literal (an assignment of a quoted value, a
 *   `://`): `triggers` give the bytes the anchor's first three characters may be, the
 *   anchor `pattern` confirms, and the rule's pattern runs over a small window around it.
 */
export interface SecretRule {
  /** Stable id, used in baselines, SARIF and the `secret.detected` event. */
  id: string;
  title: string;
  /** Literals, exact case. A `[literal, n]` pair says the match starts `n` characters before the literal. */
  keywords?: readonly (string | readonly [string, number])[];
  anchor?: {
    pattern: RegExp;
    /** The anchor's possible starts: per position (at most 3), the characters allowed there. */
    triggers: readonly (readonly string[])[];
    before: number;
    after: number;
  };
  /** How far past its start a match may reach, across lines; without it a match ends at its line's end. */
  span?: number;
  /** Group `secret` (or the whole match) is the secret. */
  pattern: RegExp;
  /** Rejects matches that have the shape but not the substance (checksum, placeholder). */
  validate?: (secret: string, match: RegExpExecArray) => boolean;
  /** Rules that match a specific format win over `generic` ones on the same text. */
  generic?: boolean;
}

/** An assignment of a quoted value: `= "`, `: '`, `=> "`, `:= \``. */
export const assignmentAnchor = /[=:>][ \t]*["'`]/;
/** Where assignmentAnchor can start: an operator, then a quote, or blanks and a quote. */
const assignmentTriggers = [
  ['=:>', '"\'`'],
  ['=:>', ' \t', '"\'`'],
  ['=:>', ' \t', ' \t'],
];
/** A URL scheme separator; database URLs are found from it. */
export const schemeAnchor = /:\/\//;

/** No letter, digit or `_` right before: the keyword starts a token. */
const start = '(?<![A-Za-z0-9_])';

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
  if (/^[$%{<[(*]|^[x.…*•]+$/i.test(value) || value.includes('${') || value.includes('{{'))
    return true;
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

/** Names that hold a secret's neighbour, not the secret: `token_uri`, `private_key_id`, `passwordLength`. */
const notASecretName = /(?:_?id|uri|url|path|file|name|type|header|endpoint|length|count|ttl)$/i;

/** Minimum Shannon entropy (bits per character) of a generic assignment's value. */
export const genericEntropyThreshold = 3.5;

const privateKeyBody = /^[A-Za-z0-9+/=\s]+$/;

export const secretRules: readonly SecretRule[] = [
  {
    id: 'aws-access-key-id',
    title: 'AWS access key id',
    keywords: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
    pattern: new RegExp(`${start}(?<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])`),
  },
  {
    id: 'aws-secret-access-key',
    title: 'AWS secret access key',
    // aws_secret_access_key, AWS_SECRET_ACCESS_KEY, Aws_…; camelCase names are left to the
    // generic rule (awsSecretAccessKey holds "secret").
    keywords: [
      ['ws_', 1],
      ['WS_', 1],
    ],
    pattern:
      /aws_?(?:secret)?_?(?:access)?_?key["'`]?[ \t]*(?:[:=]|:=|=>)[ \t]*["'`]?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/i,
    validate: (secret) => shannonEntropy(secret) >= 4,
  },
  {
    id: 'github-token',
    title: 'GitHub token',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    pattern: new RegExp(`${start}(?<secret>gh[pousr]_[0-9A-Za-z]{36})(?![0-9A-Za-z_])`),
    validate: githubTokenChecksumValid,
  },
  {
    id: 'github-fine-grained-token',
    title: 'GitHub fine-grained personal access token',
    keywords: [['hub_pat_', 3]],
    pattern: new RegExp(
      `${start}(?<secret>github_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59})(?![0-9A-Za-z_])`,
    ),
  },
  {
    id: 'gitlab-token',
    title: 'GitLab personal access token',
    keywords: ['glpat-'],
    pattern: new RegExp(`${start}(?<secret>glpat-[0-9A-Za-z_-]{20,64})(?![0-9A-Za-z_-])`),
  },
  {
    id: 'slack-token',
    title: 'Slack token',
    keywords: ['xox'],
    pattern: new RegExp(
      `${start}(?<secret>xox[baprs]-[0-9]{8,13}-[0-9A-Za-z-]{8,80})(?![0-9A-Za-z_])`,
    ),
  },
  {
    id: 'slack-webhook',
    title: 'Slack incoming webhook URL',
    // `k.com/services/`: `k.c` is rarer in code than `htt`.
    keywords: [['k.com/services/', 'https://hooks.slac'.length]],
    pattern:
      /(?<secret>https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{8,12}\/B[A-Z0-9]{8,12}\/[A-Za-z0-9]{24})(?![A-Za-z0-9])/,
  },
  {
    id: 'stripe-live-key',
    title: 'Stripe live secret or restricted key',
    keywords: [['k_live_', 1]],
    pattern: new RegExp(`${start}(?<secret>[sr]k_live_[0-9A-Za-z]{24,99})(?![0-9A-Za-z_])`),
  },
  {
    id: 'google-api-key',
    title: 'Google API key',
    keywords: ['AIza'],
    pattern: new RegExp(`${start}(?<secret>AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])`),
  },
  {
    id: 'google-service-account-key',
    title: 'Google service account private key (JSON)',
    // From the PEM header, looking back for the JSON field; the same trigger as private-key.
    keywords: [['-BEGIN ', 4]],
    pattern:
      /(?<="private_key"[ \t]*:[ \t]*")(?<secret>-----BEGIN (?:RSA )?PRIVATE KEY-----\\n[A-Za-z0-9+/=\\n]{64,}?-----END (?:RSA )?PRIVATE KEY-----(?:\\n)?)"/,
  },
  {
    id: 'private-key',
    title: 'Private key (PEM)',
    keywords: [['-BEGIN ', 4]],
    span: 16_500,
    pattern:
      /-----BEGIN (?<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----(?<body>[\s\S]{64,16384}?)-----END \k<kind>-----/,
    validate: (_secret, match) => {
      // Headers such as "Proc-Type: 4,ENCRYPTED" precede the base64 of legacy PEM.
      const body = (match.groups?.body ?? '').replace(/^[A-Za-z-]+:.*$/gm, '');
      return privateKeyBody.test(body) && body.replace(/\s/g, '').length >= 64;
    },
  },
  {
    id: 'jwt',
    title: 'JSON Web Token',
    keywords: ['eyJ'],
    pattern: /(?<![A-Za-z0-9_-])(?<secret>eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)/,
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
    anchor: { pattern: schemeAnchor, triggers: [[':', '/', '/']], before: 16, after: 420 },
    pattern: new RegExp(
      `${start}(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\\+srv)?|rediss?)://[^:@/\\s'"\`]*:(?<secret>[^@/\\s'"\`]{3,200})@[^\\s'"\`/]+`,
      'gi',
    ),
    validate: (secret) => !isPlaceholder(secret),
  },
  {
    id: 'rampart-api-key',
    title: 'Rampart API key',
    keywords: ['rmp_'],
    pattern: new RegExp(`${start}(?<secret>${apiKeyStringPattern.source.replace(/^\\b/, '')})`),
    // A lookalike whose checksum fails is a typo or a made-up string: not reported.
    validate: (secret) => parseApiKeyString(secret).ok,
  },
  {
    id: 'generic-secret-assignment',
    title: 'High-entropy value assigned to a secret-looking name',
    anchor: { pattern: assignmentAnchor, triggers: assignmentTriggers, before: 120, after: 210 },
    // A name holding one of these words (`db_password`, `clientSecret`), then the
    // assignment: `=`, `:`, `:=`, `=>`, and a quoted value on the same line.
    pattern:
      /(?:password|passwd|pwd|secret|token|api[_-]?key|access_key|auth_key|private_key)[\w.-]*["'`]?[ \t]*(?:[:=]|:=|=>|==)[ \t]*["'`](?<secret>[^"'`\s]{10,200})["'`]/gi,
    generic: true,
    validate: (secret, match) =>
      !isPlaceholder(secret) &&
      !secret.includes('://') &&
      !notASecretName.test(/^[\w.-]*/.exec(match[0])?.[0] ?? '') &&
      shannonEntropy(secret) >= genericEntropyThreshold,
  },
];
