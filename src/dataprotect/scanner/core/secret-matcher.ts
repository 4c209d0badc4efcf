import { shannonEntropy } from './entropy.js';
import { accept, type Raw, resolve } from './raw-match.js';
import { type SecretRule, secretRules } from './rules.js';
import { SimdPrefilter, type Trigger } from './simd-prefilter.js';

/** A secret found in a text; positions are 1-based and relative to that text. */
export interface TextFinding {
  ruleId: string;
  /** The secret itself. Never print it: see redactSecret. */
  secret: string;
  /** Offset of the secret: in characters for a string, in bytes for bytes and latin1 input. */
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

/** What runs where a trigger fires: a keyword's rules, or an anchor's. */
interface KeywordAction {
  keyword: Uint8Array;
  rules: KeywordRule[];
}

interface AnchorAction {
  /** Per trigger alternative, per position: a 256-entry table of the bytes allowed. */
  starts: Uint8Array[][];
  /** Sticky: confirms the anchor at the trigger. */
  anchor: RegExp;
  rules: { rule: SecretRule; pattern: RegExp; before: number; after: number }[];
}

type Action = KeywordAction | AnchorAction;

/** Bytes of context kept before a keyword (lookbehinds) and, on one line, after it. */
const contextBefore = 512;
const contextAfter = 8192;

/**
 * The scanning core. The text's bytes go into a SIMD prefilter (simd-prefilter.ts),
 * which in one pass finds every place where a rule's trigger starts (a keyword's first
 * three bytes, an anchor's possible starts); only there, on a window of the text
 * decoded as latin1, does a rule's regex run, sticky at the keyword or over a small
 * window around an anchor. Lines and columns are computed for findings only. secretlint
 * instead runs every rule's regex over every character.
 *
 * @example
 * const matcher = new SecretMatcher();
 * for (const f of matcher.scan(source)) console.log(f.ruleId, f.line, redactSecret(f.secret));
 */
export class SecretMatcher {
  readonly #prefilter: SimdPrefilter;
  /** By first byte: the actions whose trigger may start with it. */
  readonly #byFirst: Action[][] = Array.from({ length: 256 }, () => []);
  readonly #allowMarker: string;
  // State of the scan in progress (scans are synchronous, one at a time).
  #bytes: Buffer = Buffer.alloc(0);
  #length = 0;
  #lineStart = 0;
  #lineEnd = -1;
  #windowStart = -1;
  #windowEnd = -1;
  #window = '';
  #raws: Raw[] = [];
  readonly #visit = (at: number) => this.#candidate(at);

  constructor(options: SecretMatcherOptions = {}) {
    this.#allowMarker = options.allowMarker ?? 'rampart:allow';
    const keywords = new Map<string, KeywordAction>();
    const anchors = new Map<string, AnchorAction>();
    const triggers: Trigger[] = [];
    for (const rule of options.rules ?? secretRules) {
      const base = rule.pattern.flags.replace(/[gyd]/g, '');
      for (const entry of rule.keywords ?? []) {
        const [keyword, back] = typeof entry === 'string' ? [entry, 0] : entry;
        let action = keywords.get(keyword);
        if (!action) {
          action = { keyword: Buffer.from(keyword, 'latin1'), rules: [] };
          keywords.set(keyword, action);
          triggers.push([...keyword.slice(0, 3)]);
          (this.#byFirst[keyword.charCodeAt(0)] as Action[]).push(action);
        }
        action.rules.push({
          rule,
          back,
          test: new RegExp(rule.pattern.source, `${base}y`),
          located: new RegExp(rule.pattern.source, `${base}yd`),
        });
      }
      if (rule.anchor) {
        const key = `${rule.anchor.pattern.source}/${rule.anchor.pattern.flags}`;
        let action = anchors.get(key);
        if (!action) {
          const starts = rule.anchor.triggers.map((t) =>
            t.map((chars) => {
              const table = new Uint8Array(256);
              for (const c of chars) table[c.charCodeAt(0)] = 1;
              return table;
            }),
          );
          action = {
            starts,
            anchor: new RegExp(
              rule.anchor.pattern.source,
              `${rule.anchor.pattern.flags.replace(/[gy]/g, '')}y`,
            ),
            rules: [],
          };
          anchors.set(key, action);
          triggers.push(...rule.anchor.triggers);
          const firsts = new Set(rule.anchor.triggers.flatMap((t) => [...(t[0] ?? '')]));
          for (const c of firsts) (this.#byFirst[c.charCodeAt(0)] as Action[]).push(action);
        }
        action.rules.push({
          rule,
          pattern: new RegExp(rule.pattern.source, `${base}gd`),
          before: rule.anchor.before,
          after: rule.anchor.after,
        });
      }
    }
    this.#prefilter = new SimdPrefilter(triggers);
  }

  /** Every secret in `text`, in order of position. */
  scan(text: string, options: ScanTextOptions = {}): TextFinding[] {
    const size = options.latin1 === true ? text.length : Buffer.byteLength(text);
    const input = this.#prefilter.input(size);
    const ascii = size === text.length;
    input.write(text, ascii ? 'latin1' : 'utf8');
    const findings = this.scanInput(size);
    if (!ascii && options.latin1 !== true) {
      // Byte offsets back to character offsets.
      const bytes = this.#prefilter.bytes;
      for (const f of findings) f.offset = bytes.toString('utf8', 0, f.offset).length;
    }
    return findings;
  }

  /**
   * Room for `size` bytes inside the matcher: read a file straight into it, then call
   * scanInput. Valid until the next call to the matcher.
   */
  input(size: number): Buffer {
    return this.#prefilter.input(size);
  }

  /** Every secret in the first `length` bytes written to input(); offsets in bytes. */
  scanInput(length: number): TextFinding[] {
    this.#prefilter.scan(length);
    // Bounded to the input: searches for line ends stop at its end.
    this.#bytes = this.#prefilter.bytes.subarray(0, length);
    this.#length = length;
    this.#lineStart = 0;
    this.#lineEnd = -1;
    this.#windowStart = -1;
    this.#windowEnd = -1;
    this.#raws = [];
    this.#prefilter.forEachCandidate(this.#visit);
    const raws = this.#raws;
    this.#raws = [];
    this.#window = '';
    if (raws.length === 0) return [];
    return this.#locate(resolve(raws));
  }

  #candidate(at: number): void {
    const bytes = this.#bytes;
    const actions = this.#byFirst[bytes[at] as number] as Action[];
    for (const action of actions) {
      if ('keyword' in action) this.#keyword(action, at);
      else this.#anchored(action, at);
    }
  }

  /** Moves the cached line to the one holding `at` (candidates come in increasing order). */
  #line(at: number): void {
    if (at <= this.#lineEnd) return;
    const bytes = this.#bytes;
    // The previous line's end bounds both searches: each byte is looked at once.
    this.#lineStart = at === 0 ? 0 : bytes.lastIndexOf(10, at - 1) + 1;
    const end = bytes.indexOf(10, at);
    this.#lineEnd = end === -1 ? this.#length : end;
  }

  /** The input between `from` and `to`, decoded as latin1 (the last one is reused). */
  #text(from: number, to: number): string {
    if (from !== this.#windowStart || to !== this.#windowEnd) {
      this.#window = this.#bytes.toString('latin1', from, to);
      this.#windowStart = from;
      this.#windowEnd = to;
    }
    return this.#window;
  }

  #keyword(action: KeywordAction, at: number): void {
    const bytes = this.#bytes;
    const keyword = action.keyword;
    if (at + keyword.length > this.#length) return;
    for (let i = 1; i < keyword.length; i++) if (bytes[at + i] !== keyword[i]) return;
    this.#line(at);
    for (const r of action.rules) {
      const start = at - r.back;
      // A keyword's match starts on the keyword's line.
      if (start < this.#lineStart) continue;
      const from = Math.max(this.#lineStart, start - contextBefore);
      const span = r.rule.span;
      const to =
        span === undefined
          ? Math.min(this.#lineEnd, start + contextAfter)
          : Math.min(this.#length, start + span);
      const text = this.#text(from, to);
      r.test.lastIndex = start - from;
      // Most hits fail here, cheaply.
      if (!r.test.test(text)) continue;
      r.located.lastIndex = start - from;
      const m = r.located.exec(text);
      if (m) accept(r.rule, m, text, from, this.#raws);
    }
  }

  #anchored(action: AnchorAction, at: number): void {
    const bytes = this.#bytes;
    if (!action.starts.some((start) => start.every((set, i) => set[bytes[at + i] as number] === 1)))
      return;
    this.#line(at);
    let confirmed = false;
    for (const r of action.rules) {
      const from = Math.max(this.#lineStart, at - r.before);
      const text = this.#text(from, Math.min(this.#lineEnd, at + r.after));
      if (!confirmed) {
        action.anchor.lastIndex = at - from;
        if (!action.anchor.test(text)) return;
        confirmed = true;
      }
      r.pattern.lastIndex = 0;
      for (let m = r.pattern.exec(text); m !== null; m = r.pattern.exec(text)) {
        if (m[0].length === 0) r.pattern.lastIndex++;
        accept(r.rule, m, text, from, this.#raws);
      }
    }
  }

  #locate(raws: Raw[]): TextFinding[] {
    const bytes = this.#bytes;
    const findings: TextFinding[] = [];
    let line = 1;
    let counted = 0;
    for (const r of raws) {
      line += this.#prefilter.lines(counted, r.start);
      counted = r.start;
      const lineStart = r.start === 0 ? 0 : bytes.lastIndexOf(10, r.start - 1) + 1;
      let lineEnd = bytes.indexOf(10, r.start);
      if (lineEnd === -1) lineEnd = this.#length;
      if (bytes.toString('latin1', lineStart, lineEnd).includes(this.#allowMarker)) continue;
      let column = r.start - lineStart + 1;
      for (let i = lineStart; i < r.start; i++)
        if ((bytes[i] as number) >= 0x80) {
          column = bytes.toString('utf8', lineStart, r.start).length + 1;
          break;
        }
      findings.push({
        ruleId: r.rule.id,
        secret: r.secret,
        offset: r.start,
        line,
        column,
        entropy: Math.round(shannonEntropy(r.secret) * 100) / 100,
      });
    }
    return findings;
  }
}
