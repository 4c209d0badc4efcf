import { shannonEntropy } from './entropy.js';
import { type SecretRule, secretRules } from './rules.js';

/** A secret found in a text; positions are 1-based and relative to that text. */
export interface TextFinding {
  ruleId: string;
  /** The secret itself. Never print it: see redactSecret. */
  secret: string;
  /** Offset of the secret in the text (0-based; a byte offset for latin1 input). */
  offset: number;
  line: number;
  /** 1-based, in characters (UTF-16 code units, as SARIF counts by default). */
  column: number;
  /** Shannon entropy of the secret, bits per character. */
  entropy: number;
}

export interface SecretMatcherOptions {
  rules?: readonly SecretRule[];
  /** Findings on a line holding this marker are dropped; default `rampart:allow`. */
  allowMarker?: string;
}

export interface ScanTextOptions {
  /**
   * The text is raw bytes decoded as latin1 (one character a byte: the cheapest decoding,
   * and every keyword is ASCII). Secrets and columns are converted back to UTF-8 text.
   */
  latin1?: boolean;
}

interface KeywordRule {
  rule: SecretRule;
  /** The match starts this many characters before the keyword. */
  back: number;
  /** Sticky: tried at the keyword's position only. */
  test: RegExp;
  /** The same with `d` (match indices), run once `test` matched: indices cost. */
  located: RegExp;
}

interface AnchorGroup {
  anchor: RegExp;
  rules: { rule: SecretRule; pattern: RegExp; before: number; after: number }[];
}

interface Raw {
  rule: SecretRule;
  secret: string;
  start: number;
  end: number;
}

const nonAscii = /[\u0080-\uffff]/;

/**
 * The scanning core. Most rules start with a telling literal (`ghp_`, `AKIA`,
 * `-----BEGIN `): each literal is found with `indexOf`, which V8 runs as a
 * Boyer-Moore-Horspool search skipping most bytes, and the rule's pattern is tried
 * anchored at each hit. Rules without one (generic `password = "…"`, database URLs)
 * share a single regex pass for their anchor (an assignment of a quoted value, `://`)
 * and look at a small window around each hit. secretlint instead runs every rule's
 * regex over every byte.
 *
 * @example
 * const matcher = new SecretMatcher();
 * for (const f of matcher.scan(source)) console.log(f.ruleId, f.line, redactSecret(f.secret));
 */
export class SecretMatcher {
  readonly #byKeyword = new Map<string, KeywordRule[]>();
  readonly #anchors: AnchorGroup[] = [];
  readonly #allowMarker: string;

  constructor(options: SecretMatcherOptions = {}) {
    this.#allowMarker = options.allowMarker ?? 'rampart:allow';
    const groups = new Map<string, AnchorGroup>();
    for (const rule of options.rules ?? secretRules) {
      const base = rule.pattern.flags.replace(/[gyd]/g, '');
      if (rule.anchor) {
        const key = `${rule.anchor.pattern.source}/${rule.anchor.pattern.flags}`;
        let group = groups.get(key);
        if (!group) {
          group = { anchor: new RegExp(rule.anchor.pattern.source, 'g'), rules: [] };
          groups.set(key, group);
          this.#anchors.push(group);
        }
        group.rules.push({
          rule,
          pattern: new RegExp(rule.pattern.source, `${base}gd`),
          before: rule.anchor.before,
          after: rule.anchor.after,
        });
      }
      for (const entry of rule.keywords ?? []) {
        const [keyword, back] = typeof entry === 'string' ? [entry, 0] : entry;
        const list = this.#byKeyword.get(keyword) ?? [];
        list.push({
          rule,
          back,
          test: new RegExp(rule.pattern.source, `${base}y`),
          located: new RegExp(rule.pattern.source, `${base}yd`),
        });
        this.#byKeyword.set(keyword, list);
      }
    }
  }

  /** Every secret in `text`, in order of position. */
  scan(text: string, options: ScanTextOptions = {}): TextFinding[] {
    const raws: Raw[] = [];
    const latin1 = options.latin1 === true;
    for (const [keyword, rules] of this.#byKeyword) {
      for (let at = text.indexOf(keyword); at !== -1; at = text.indexOf(keyword, at + 1)) {
        for (const r of rules) matchAt(r, text, at, raws, latin1);
      }
    }
    for (const group of this.#anchors) matchAnchored(group, text, raws, latin1);
    if (raws.length === 0) return [];
    return this.#locate(text, resolve(raws), options.latin1 === true);
  }

  #locate(text: string, raws: Raw[], latin1: boolean): TextFinding[] {
    const findings: TextFinding[] = [];
    let line = 1;
    let lineStart = 0;
    for (const r of raws) {
      for (
        let nl = text.indexOf('\n', lineStart);
        nl !== -1 && nl < r.start;
        nl = text.indexOf('\n', nl + 1)
      ) {
        line++;
        lineStart = nl + 1;
      }
      let lineEnd = text.indexOf('\n', r.start);
      if (lineEnd === -1) lineEnd = text.length;
      if (text.slice(lineStart, lineEnd).includes(this.#allowMarker)) continue;
      const secret = r.secret;
      let column = r.start - lineStart + 1;
      if (latin1) {
        const before = text.slice(lineStart, r.start);
        if (nonAscii.test(before))
          column = Buffer.from(before, 'latin1').toString('utf8').length + 1;
      }
      findings.push({
        ruleId: r.rule.id,
        secret,
        offset: r.start,
        line,
        column,
        entropy: Math.round(shannonEntropy(secret) * 100) / 100,
      });
    }
    return findings;
  }
}

/** Drops duplicates (overlapping windows) and generic hits that a specific rule explains. */
function resolve(raws: Raw[]): Raw[] {
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

/**
 * Records a match of `rule` in `source`, a window starting at `base` in the whole text.
 * Latin1 input: the secret is decoded back to UTF-8 before the rule judges it.
 */
function accept(
  rule: SecretRule,
  m: RegExpExecArray,
  source: string,
  base: number,
  out: Raw[],
  latin1: boolean,
) {
  const span = m.indices?.groups?.secret ?? m.indices?.[0];
  if (!span) return;
  let secret = source.slice(span[0], span[1]);
  if (latin1 && nonAscii.test(secret)) secret = Buffer.from(secret, 'latin1').toString('utf8');
  if (rule.validate && !rule.validate(secret, m)) return;
  out.push({ rule, secret, start: base + span[0], end: base + span[1] });
}

function matchAt(r: KeywordRule, text: string, hit: number, out: Raw[], latin1: boolean): void {
  const at = hit - r.back;
  if (at < 0) return;
  r.test.lastIndex = at;
  // Most hits of a short keyword fail here, cheaply.
  if (!r.test.test(text)) return;
  r.located.lastIndex = at;
  const m = r.located.exec(text);
  if (m) accept(r.rule, m, text, 0, out, latin1);
}

function matchAnchored(group: AnchorGroup, text: string, out: Raw[], latin1: boolean): void {
  const anchor = group.anchor;
  anchor.lastIndex = 0;
  for (let hit = anchor.exec(text); hit !== null; hit = anchor.exec(text)) {
    const at = hit.index;
    const lineStart = text.lastIndexOf('\n', at) + 1;
    let lineEnd = text.indexOf('\n', at);
    if (lineEnd === -1) lineEnd = text.length;
    for (const r of group.rules) {
      const from = Math.max(lineStart, at - r.before);
      const window = text.slice(from, Math.min(lineEnd, at + r.after));
      r.pattern.lastIndex = 0;
      for (let m = r.pattern.exec(window); m !== null; m = r.pattern.exec(window)) {
        if (m[0].length === 0) r.pattern.lastIndex++;
        accept(r.rule, m, window, from, out, latin1);
      }
    }
  }
}
