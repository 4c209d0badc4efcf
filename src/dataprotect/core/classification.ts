/**
 * Data classification: which fields are sensitive, how sensitive, and how they are
 * handled wherever they flow (logs, audit details, exports, `rampart config show`).
 * Rules are compiled once into a matcher; looking a field up is a map hit for the common
 * `**.name` rules and a short list of precompiled patterns otherwise.
 */

export const sensitivities = [
  'PUBLIC',
  'INTERNAL',
  'CONFIDENTIAL',
  'RESTRICTED',
  'SECRET',
] as const;
export type Sensitivity = (typeof sensitivities)[number];

export const handlings = ['none', 'mask_domain', 'mask_partial', 'hash', 'redact'] as const;
export type Handling = (typeof handlings)[number];

export interface ClassificationRule {
  /** Dot-separated names; `*` matches one level, `**` any number (including none). */
  path: string;
  sensitivity: Sensitivity;
  handling: Handling;
  /** Keep at most this many days (informative: retention jobs read it). */
  retentionDays?: number;
  /** Must be stored encrypted by the data key ring. */
  encrypt?: boolean;
}

const secret = (path: string): ClassificationRule => ({
  path,
  sensitivity: 'SECRET',
  handling: 'redact',
  encrypt: true,
});

/**
 * Rampart's own data. Passwords, tokens, keys and credentials in headers are redacted;
 * emails keep their domain (useful against credential stuffing from one provider); IP
 * addresses are kept: they are what detectors, bans and the audit trail's new-IP
 * analytics work on, and retention bounds them (make them `mask_partial` by config).
 */
export const defaultClassification: readonly ClassificationRule[] = Object.freeze([
  ...[
    'password',
    'new_password',
    'current_password',
    'password_hash',
    'token',
    'access_token',
    'refresh_token',
    'id_token',
    'invite_token',
    'mfa_token',
    'reset_token',
    'bootstrap_token',
    'secret',
    'client_secret',
    'signing_secret',
    'identity_secret',
    'totp_secret',
    'api_key',
    'private_key',
    'master_key',
    'master_key_previous',
    'recovery_code',
    'recovery_codes',
    'otpauth_url',
    'qr_code',
    'authorization',
    'proxy_authorization',
    'cookie',
    'set_cookie',
    'x_api_key',
    'card_number',
    'cvv',
  ].map((name) => secret(`**.${name}`)),
  { path: '**.ssn', sensitivity: 'RESTRICTED', handling: 'redact', encrypt: true },
  { path: '**.email', sensitivity: 'CONFIDENTIAL', handling: 'mask_domain' },
  { path: '**.phone', sensitivity: 'CONFIDENTIAL', handling: 'mask_partial' },
  { path: '**.ip', sensitivity: 'INTERNAL', handling: 'none' },
  { path: '**.user_agent', sensitivity: 'INTERNAL', handling: 'none' },
]);

const normalized = new Map<string, string>();

/** Field names compare without case, `_` or `-`: `refresh_token` = `refreshToken`. */
export function normalizeFieldName(name: string): string {
  // Field names repeat endlessly (the same event shapes): remember them, boundedly, so a
  // lookup is a map hit rather than a regex and a lower-casing per field.
  let out = normalized.get(name);
  if (out === undefined) {
    out = name.replace(/[_-]/g, '').toLowerCase();
    if (normalized.size >= 4096) normalized.clear();
    normalized.set(name, out);
  }
  return out;
}

export interface ClassificationMatcher {
  /** The rule for a field at `path` (names from the root), or undefined. */
  classify(path: readonly string[]): ClassificationRule | undefined;
  /** True when no rule looks at anything but the last name (the walk can skip paths). */
  readonly leafOnly: boolean;
  readonly rules: readonly ClassificationRule[];
}

/** Glob match of normalised segments; `**` matches any number of names (paths are short). */
function matchSegments(
  pattern: readonly string[],
  pi: number,
  path: readonly string[],
  qi: number,
): boolean {
  if (pi === pattern.length) return qi === path.length;
  const segment = pattern[pi];
  if (segment === '**') {
    for (let k = qi; k <= path.length; k++)
      if (matchSegments(pattern, pi + 1, path, k)) return true;
    return false;
  }
  if (qi === path.length) return false;
  return (segment === '*' || segment === path[qi]) && matchSegments(pattern, pi + 1, path, qi + 1);
}

/**
 * Compiles rules (earlier rules win) into a matcher. Config rules go first, so they
 * override the defaults for the same field.
 *
 * @example
 * const m = compileClassification([{ path: '**.iban', sensitivity: 'RESTRICTED', handling: 'mask_partial' }, ...defaultClassification]);
 * m.classify(['details', 'email'])?.handling; // 'mask_domain'
 */
export function compileClassification(rules: readonly ClassificationRule[]): ClassificationMatcher {
  const byLeaf = new Map<string, ClassificationRule>();
  const patterns: { segments: string[]; rule: ClassificationRule; order: number }[] = [];
  const leafOrder = new Map<string, number>();
  rules.forEach((rule, order) => {
    const segments = rule.path.split('.');
    const last = segments.at(-1) as string;
    if (segments.length === 2 && segments[0] === '**' && last !== '*' && last !== '**') {
      const key = normalizeFieldName(last);
      if (!byLeaf.has(key)) {
        byLeaf.set(key, rule);
        leafOrder.set(key, order);
      }
      return;
    }
    patterns.push({
      segments: segments.map((x) => (x === '*' || x === '**' ? x : normalizeFieldName(x))),
      rule,
      order,
    });
  });
  const frozen = Object.freeze([...rules]);
  return {
    rules: frozen,
    leafOnly: patterns.length === 0,
    classify(path) {
      const leaf = path.at(-1);
      if (leaf === undefined) return undefined;
      const key = normalizeFieldName(leaf);
      const byName = byLeaf.get(key);
      if (patterns.length === 0) return byName;
      const names = path.map(normalizeFieldName);
      const nameOrder = byName ? (leafOrder.get(key) as number) : Number.POSITIVE_INFINITY;
      for (const p of patterns) {
        if (p.order > nameOrder) break;
        if (matchSegments(p.segments, 0, names, 0)) return p.rule;
      }
      return byName;
    },
  };
}

/** The built-in rules alone, compiled once. */
export const defaultClassificationMatcher: ClassificationMatcher =
  compileClassification(defaultClassification);
