import { shannonEntropy } from './entropy.js';
import { type SecretRule, secretRules } from './rules.js';

/** A secret found in a text; positions are 1-based and relative to that text. */
export interface TextFinding {
  ruleId: string;
  /** The secret itself. Never print it: see redactSecret. */
  secret: string;
  /** Offset of the secret in the text (0-based). */
  offset: number;
  line: number;
  column: number;
  /** Shannon entropy of the secret, bits per character. */
  entropy: number;
}

export interface SecretMatcherOptions {
  rules?: readonly SecretRule[];
  /** Findings on a line holding this marker are dropped; default `rampart:allow`. */
  allowMarker?: string;
}

interface CompiledRule {
  rule: SecretRule;
  pattern: RegExp;
}

interface Raw {
  rule: SecretRule;
  secret: string;
  start: number;
  end: number;
}

/**
 * The scanning core: a keyword prefilter, then each rule's regex only on the window
 * around its keywords. A text without any keyword costs one lower-casing and one native
 * `indexOf` per distinct keyword, which is why scanning runs at memory speed while
 * running every regex over every byte (what secretlint does) does not.
 *
 * @example
 * const matcher = new SecretMatcher();
 * for (const f of matcher.scan(source)) console.log(f.ruleId, f.line, redactSecret(f.secret));
 */
export class SecretMatcher {
  readonly #byKeyword = new Map<string, CompiledRule[]>();
  readonly #allowMarker: string;

  constructor(options: SecretMatcherOptions = {}) {
    this.#allowMarker = options.allowMarker ?? 'rampart:allow';
    for (const rule of options.rules ?? secretRules) {
      // `d` gives the exact offsets of the secret group; the cost is paid only on keyword lines.
      const flags = rule.pattern.flags.includes('d')
        ? rule.pattern.flags
        : `${rule.pattern.flags}d`;
      const compiled = { rule, pattern: new RegExp(rule.pattern.source, flags) };
      for (const keyword of rule.keywords) {
        const list = this.#byKeyword.get(keyword) ?? [];
        list.push(compiled);
        this.#byKeyword.set(keyword, list);
      }
    }
  }

  /** Every secret in `text`, in order of position. */
  scan(text: string): TextFinding[] {
    const raws = this.#match(text);
    if (raws.length === 0) return [];
    return this.#locate(text, this.#resolve(raws));
  }

  #match(text: string): Raw[] {
    let lower = text.toLowerCase();
    // Lower-casing a few non-ASCII characters changes the length, and with it every
    // offset; such texts search keywords case-insensitively in the original instead.
    const sameLength = lower.length === text.length;
    if (!sameLength) lower = text;
    const raws: Raw[] = [];
    const scanned = new Map<CompiledRule, Set<number>>();
    for (const [keyword, rules] of this.#byKeyword) {
      const finder = sameLength ? undefined : new RegExp(escapeRegExp(keyword), 'gi');
      let at = nextIndex(lower, keyword, 0, finder);
      while (at !== -1) {
        const lineStart = text.lastIndexOf('\n', at) + 1;
        let lineEnd = text.indexOf('\n', at);
        if (lineEnd === -1) lineEnd = text.length;
        for (const compiled of rules) {
          let seen = scanned.get(compiled);
          if (!seen) {
            seen = new Set();
            scanned.set(compiled, seen);
          }
          if (seen.has(lineStart)) continue;
          seen.add(lineStart);
          const end =
            compiled.rule.window === 'line'
              ? lineEnd
              : Math.min(text.length, lineStart + compiled.rule.window);
          runRule(compiled, text, lineStart, end, raws);
        }
        at = nextIndex(lower, keyword, lineEnd, finder);
      }
    }
    return raws;
  }

  /** Drops duplicates (multi-line windows overlap) and generic hits a specific rule explains. */
  #resolve(raws: Raw[]): Raw[] {
    raws.sort(
      (a, b) =>
        a.start - b.start || Number(a.rule.generic ?? false) - Number(b.rule.generic ?? false),
    );
    const specific = raws.filter((r) => !r.rule.generic);
    const out: Raw[] = [];
    const keys = new Set<string>();
    for (const r of raws) {
      const key = `${r.rule.id}:${r.start}`;
      if (keys.has(key)) continue;
      keys.add(key);
      if (r.rule.generic && specific.some((s) => s.start < r.end && r.start < s.end)) continue;
      out.push(r);
    }
    return out;
  }

  #locate(text: string, raws: Raw[]): TextFinding[] {
    const findings: TextFinding[] = [];
    let line = 1;
    let lineStart = 0;
    let cursor = 0;
    for (const r of raws) {
      for (
        let nl = text.indexOf('\n', cursor);
        nl !== -1 && nl < r.start;
        nl = text.indexOf('\n', nl + 1)
      ) {
        line++;
        lineStart = nl + 1;
      }
      cursor = Math.max(cursor, lineStart);
      let lineEnd = text.indexOf('\n', r.start);
      if (lineEnd === -1) lineEnd = text.length;
      if (text.slice(lineStart, lineEnd).includes(this.#allowMarker)) continue;
      findings.push({
        ruleId: r.rule.id,
        secret: r.secret,
        offset: r.start,
        line,
        column: r.start - lineStart + 1,
        entropy: Math.round(shannonEntropy(r.secret) * 100) / 100,
      });
    }
    return findings;
  }
}

function nextIndex(haystack: string, keyword: string, from: number, finder?: RegExp): number {
  if (!finder) return haystack.indexOf(keyword, from);
  finder.lastIndex = from;
  return finder.exec(haystack)?.index ?? -1;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function runRule(compiled: CompiledRule, text: string, start: number, end: number, out: Raw[]) {
  const window = text.slice(start, end);
  const re = compiled.pattern;
  re.lastIndex = 0;
  for (let m = re.exec(window); m !== null; m = re.exec(window)) {
    if (m[0].length === 0) re.lastIndex++;
    const span = m.indices?.groups?.secret ?? m.indices?.[0];
    if (!span) continue;
    const secret = window.slice(span[0], span[1]);
    if (compiled.rule.validate && !compiled.rule.validate(secret, m)) continue;
    out.push({ rule: compiled.rule, secret, start: start + span[0], end: start + span[1] });
  }
}
