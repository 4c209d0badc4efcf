import type { Bindings } from 'pino';
import { isSensitiveKey, redactCredentialsIn } from './log-redaction.js';
import { asString, Verbatim, verbatimKind } from './pino-internals.js';
import type { RouteLogBindings } from './request-logger.js';
import { isTerminalSafe } from './terminal-safe-line.js';

/** A logger's serializers and redaction stringifiers, by key, and its error key. */
export interface KeyRules {
  readonly serializers: Record<string, unknown>;
  readonly stringifiers: Record<string | symbol, unknown>;
  readonly errorKey: string;
}

/**
 * What a key writes before its value. A string value goes out between quotes that belong
 * to the pieces around it (`,"key":"` before, the next piece's `"` after): fewer, longer
 * pieces make a string of fewer parts, which V8 copies faster into the turn's chunk
 * (coalescing-destination.ts). After a string value, each piece starts with its `"`.
 */
interface KeyEntry {
  readonly key: string;
  /** False when a line with the key must go through pino. */
  readonly plain: boolean;
  /** `,"key":` and `,"key":"`, after a closed value. */
  readonly bare: string;
  readonly quoted: string;
  /** The same after a string value: `",key":` and `","key":"`. */
  readonly bareAfterString: string;
  readonly quotedAfterString: string;
  /** True when the key, as written, holds nothing a terminal acts on. */
  readonly terminalSafe: boolean;
  /** The last line that had the key: a second sighting on one line is a repeated key. */
  line: number;
  /**
   * The key's last short string value that held no credential ({@link redactCredentialsIn}
   * left it as it was), and how it is written ({@link verbatimKind}): both depend on the
   * value alone. Most values repeat from line to line (the route, the method, the
   * caller's address and id on a keep-alive connection), and an equal string is told in
   * one comparison, not two scans. A value with a credential in it is never kept.
   */
  lastValue: string | undefined;
  lastKind: Verbatim;
}

/** Longer values are not kept: a key holds at most this much of a past line. */
const maxRememberedValue = 256;

const maxCachedKeys = 1024;
/** How many of a line's keys {@link RequestLineFields} remembers by position. */
const maxSequence = 64;

/**
 * The fields of request lines as pino writes them for one logger's rules (its
 * serializers and redaction paths), with each key's pieces kept across lines.
 */
export class RequestLineFields {
  readonly #rules: KeyRules;
  readonly #keys = new Map<string, KeyEntry>();
  /**
   * The entries of the last line's keys, in order. Request lines repeat one sequence of
   * keys, so the key at a position is first compared with the one there last time (one
   * comparison of two interned strings), and looked up only when it differs.
   */
  readonly #sequence: KeyEntry[] = [];
  #position = 0;
  #lineNumber = 0;
  #open = false;
  #terminalSafe = true;

  constructor(rules: KeyRules) {
    this.#rules = rules;
  }

  /** True when the last fields written end inside a string, whose `"` is still due. */
  get endsInString(): boolean {
    return this.#open;
  }

  /**
   * True when the last fields written hold nothing a terminal acts on (terminal-safe-line.ts):
   * every key and string value was printable ASCII as written. A value escaped by
   * `asString`, or one with other characters, makes it false (the line is then checked
   * where it leaves the process, as every other line is).
   */
  get terminalSafe(): boolean {
    return this.#terminalSafe;
  }

  /**
   * The fields of the line in merge order (Fastify's bindings, the route's, those added
   * later, the line's own), or null when they are not the plain case.
   */
  write(
    base: Bindings,
    route: RouteLogBindings | undefined,
    extra: Bindings | undefined,
    line: Record<string, unknown>,
  ): string | null {
    this.#lineNumber++;
    this.#position = 0;
    this.#open = false;
    this.#terminalSafe = true;
    let fields: string | null = '';
    for (const key in base) {
      fields = this.#append(fields, key, base[key]);
      if (fields === null) return null;
    }
    if (route !== undefined) {
      if (route.action !== undefined) fields = this.#append(fields, 'action', route.action);
      if (fields !== null) fields = this.#append(fields, 'resource', route.resource);
      if (fields === null) return null;
    }
    if (extra !== undefined) {
      for (const key in extra) {
        fields = this.#append(fields, key, extra[key]);
        if (fields === null) return null;
      }
    }
    for (const key in line) {
      fields = this.#append(fields, key, line[key]);
      if (fields === null) return null;
    }
    return fields;
  }

  #entry(key: string): KeyEntry | undefined {
    const position = this.#position++;
    const guess = this.#sequence[position];
    if (guess !== undefined && guess.key === key) return guess;
    const entry = this.#lookUp(key);
    if (entry !== undefined && position < maxSequence) this.#sequence[position] = entry;
    return entry;
  }

  #lookUp(key: string): KeyEntry | undefined {
    let entry = this.#keys.get(key);
    if (entry !== undefined || this.#keys.size >= maxCachedKeys) return entry;
    const { serializers, stringifiers, errorKey } = this.#rules;
    const plain =
      key !== '__proto__' &&
      !isSensitiveKey(key) &&
      serializers[key] === undefined &&
      stringifiers[key] === undefined &&
      !(key === errorKey && serializers.err !== undefined);
    const bare = `,${asString(key)}:`;
    entry = {
      key,
      plain,
      bare,
      quoted: `${bare}"`,
      bareAfterString: `"${bare}`,
      quotedAfterString: `"${bare}"`,
      terminalSafe: isTerminalSafe(bare),
      line: 0,
      lastValue: undefined,
      lastKind: Verbatim.no,
    };
    this.#keys.set(key, entry);
    return entry;
  }

  /**
   * Appends `key: value` to `fields`; null when the line must go through pino: the key or
   * the value is not plain, or the key came before on this line (in the merged object it
   * would keep its first place and take its last value). Keys beyond the cache's bound
   * cannot be checked for repetition and go through pino too.
   */
  #append(fields: string, key: string, value: unknown): string | null {
    const entry = this.#entry(key);
    if (entry === undefined || !entry.plain || entry.line === this.#lineNumber) return null;
    entry.line = this.#lineNumber;
    if (!entry.terminalSafe) this.#terminalSafe = false;
    switch (typeof value) {
      case 'string': {
        // What redactSensitive does to a string, then pino's escaping.
        let text: string;
        let kind: Verbatim;
        if (value === entry.lastValue) {
          text = value;
          kind = entry.lastKind;
        } else {
          text = redactCredentialsIn(value);
          kind = verbatimKind(text);
          if (text === value && value.length <= maxRememberedValue) {
            entry.lastValue = value;
            entry.lastKind = kind;
          }
        }
        if (kind !== Verbatim.ascii) this.#terminalSafe = false;
        if (kind === Verbatim.no) return this.#closed(fields, entry, asString(text));
        const piece = this.#open ? entry.quotedAfterString : entry.quoted;
        this.#open = true;
        return fields + piece + text;
      }
      case 'number':
        return this.#closed(fields, entry, Number.isFinite(value) ? `${value}` : 'null');
      case 'boolean':
        return this.#closed(fields, entry, value ? 'true' : 'false');
      case 'undefined':
        return fields;
      default:
        return value === null ? this.#closed(fields, entry, 'null') : null;
    }
  }

  #closed(fields: string, entry: KeyEntry, json: string): string {
    const piece = this.#open ? entry.bareAfterString : entry.bare;
    this.#open = false;
    return fields + piece + json;
  }
}
