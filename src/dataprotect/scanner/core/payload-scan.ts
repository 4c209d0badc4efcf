import { redactSecret } from './redact.js';
import type { SecretMatcher } from './secret-matcher.js';

/** A secret found in a request body or config payload: the rule and redacted evidence only. */
export interface PayloadFinding {
  ruleId: string;
  evidence: string;
  entropy: number;
}

/** Bodies above this many characters are scanned up to it; a secret past it goes unseen. */
const maxScannedChars = 4 * 1024 * 1024;

/** String values long enough to hold a secret, as they are (JSON escapes quotes and line breaks). */
function stringValues(value: unknown, out: string[], depth: number): void {
  if (depth > 32 || out.length > 1000) return;
  if (typeof value === 'string') {
    if (value.length >= 16) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) stringValues(v, out, depth + 1);
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) stringValues(v, out, depth + 1);
  }
}

/**
 * Secrets in a parsed payload (a JSON body, a config object) or raw text. An object is
 * scanned as indented JSON, one property a line, so `"apiKey": "…"` reads as an
 * assignment; its string values are also scanned as they are, since JSON escapes the
 * quotes and line breaks inside them (`"note": "password = \"…\""`, a PEM block). The
 * secrets themselves never leave this function.
 *
 * @example
 * findSecretsInPayload(matcher, { token: body.token }); // [{ ruleId: 'github-token', evidence: 'ghp_…', … }]
 */
export function findSecretsInPayload(matcher: SecretMatcher, payload: unknown): PayloadFinding[] {
  if (payload === undefined || payload === null) return [];
  const texts: string[] = [];
  if (typeof payload === 'string') texts.push(payload);
  else if (payload instanceof Uint8Array) texts.push(Buffer.from(payload).toString('utf8'));
  else {
    let json: string | undefined;
    try {
      json = JSON.stringify(payload, null, 1);
    } catch {
      json = undefined;
    }
    if (json !== undefined) texts.push(json);
    stringValues(payload, texts, 0);
  }
  const seen = new Set<string>();
  const out: PayloadFinding[] = [];
  for (const text of texts) {
    for (const f of matcher.scan(
      text.length > maxScannedChars ? text.slice(0, maxScannedChars) : text,
    )) {
      const key = `${f.ruleId}\0${f.secret}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ruleId: f.ruleId, evidence: redactSecret(f.secret), entropy: f.entropy });
    }
  }
  return out;
}
