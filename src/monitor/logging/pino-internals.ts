import { tracingChannel } from 'node:diagnostics_channel';
import { type Logger, pino } from 'pino';

/*
 * The parts of pino (v10, lib/tools.js and lib/proto.js) the request-line writer relies on
 * to write what pino writes: the symbols of a logger's state, and its string escaping.
 * The writer checks itself against pino's own output before use (request-line-writer.ts).
 */

export const symbols = pino.symbols;

/** pino traces each line's formatting here; a subscriber (an APM) expects every line. */
export const asJsonChannel = tracingChannel('pino_asJson');
// Not in pino's type declarations, but among its symbols since v8.
export const msgPrefixSym = (pino.symbols as unknown as Record<string, symbol>).msgPrefixSym;

/** The pino internals the writer reads: all set by pino when it makes a logger. */
export interface PinoInternals {
  [symbols.lsCacheSym]: Record<number, string | undefined>;
  [symbols.chindingsSym]: string;
  [symbols.timeSym]: () => string;
  [symbols.timeSliceIndexSym]: number;
  [symbols.streamSym]: LineStream;
  [symbols.endSym]: string;
  [symbols.serializersSym]: Record<string, unknown>;
  [symbols.stringifiersSym]: Record<string | symbol, unknown>;
  [symbols.mixinSym]: unknown;
  [symbols.nestedKeySym]: unknown;
  [symbols.hooksSym]: { logMethod?: unknown; streamWrite?: unknown } | undefined;
  [symbols.messageKeySym]: string;
  [symbols.errorKeySym]: string;
  [symbols.asJsonSym]: (obj: object, msg: string, num: number, time: string) => string;
}

export interface LineStream {
  write(line: string): unknown;
  [symbols.needsMetadataGsym]?: boolean;
  lastLevel?: number;
  lastObj?: object;
  lastMsg?: string;
  lastTime?: string;
  lastLogger?: Logger;
}

// pino's asString (lib/tools.js): JSON.stringify from Node 25, before that its own loop,
// which escapes only `"` and `\` unless the string has a control character or is longer
// than 100 characters (so a lone surrogate or U+2028 goes out as is, unlike JSON.stringify).
const nodeMajor = Number(process.versions.node.split('.')[0]);
export const asString = nodeMajor >= 25 ? (str: string) => JSON.stringify(str) : pinoAsString;
const quoteOrBackslash = /["\\]/g;

/** How {@link asString} writes a string: see {@link verbatimKind}. */
export const Verbatim = {
  /** Escaped: {@link asString} must write it. */
  no: 0,
  /** As it is, and every character printable ASCII (U+0020–U+007E). */
  ascii: 1,
  /** As it is, with characters beyond printable ASCII (DEL, C1 controls, any non-ASCII). */
  other: 2,
} as const;
export type Verbatim = (typeof Verbatim)[keyof typeof Verbatim];

/**
 * Whether {@link asString} writes `str` as it is between two quotes, which lets the writer
 * put the quotes into its constant pieces, and whether what it writes is then printable
 * ASCII, which no terminal acts on (terminal-safe-line.ts): one pass over the string.
 */
export const verbatimKind: (str: string) => Verbatim =
  nodeMajor >= 25
    ? // JSON.stringify also escapes lone surrogates (well-formed JSON.stringify, ES2019).
      (str: string) => {
        const kind = scanForVerbatim(str);
        return kind === Verbatim.no || (str as string & { isWellFormed(): boolean }).isWellFormed()
          ? kind
          : Verbatim.no;
      }
    : (str: string) => (str.length <= 100 ? scanForVerbatim(str) : Verbatim.no);

// Printable ASCII but `"` and `\`: the common case, tested first. V8 runs a regular
// expression as native code over the string; on the request line's values this measured
// about twice as fast as the charCodeAt loop below, which then runs only for the rest.
const printableVerbatim = /^[ !#-[\]-~]*$/;

function scanForVerbatim(str: string): Verbatim {
  if (printableVerbatim.test(str)) return Verbatim.ascii;
  let kind: Verbatim = Verbatim.ascii;
  for (let i = 0; i < str.length; i++) {
    const code = str.charCodeAt(i);
    if (code < 32 || code === 34 || code === 92) return Verbatim.no;
    if (code > 126) kind = Verbatim.other;
  }
  return kind;
}

function pinoAsString(str: string): string {
  const length = str.length;
  if (length > 100) return JSON.stringify(str);
  let escapes = false;
  for (let i = 0; i < length; i++) {
    const code = str.charCodeAt(i);
    if (code < 32) return JSON.stringify(str);
    if (code === 34 || code === 92) escapes = true;
  }
  return escapes ? `"${str.replace(quoteOrBackslash, '\\$&')}"` : `"${str}"`;
}
