import { unicodeEscape, unsafeBeyondC0Class } from '../../shared/terminal-text.js';

// What JSON escaping leaves raw and a terminal must not get raw (shared/terminal-text.ts),
// and lone surrogates: pino's own string escaping (Node < 25, strings of at most 100
// characters) writes one as it is, and UTF-8 turns it into U+FFFD; escaped, as
// JSON.stringify writes it since ES2019, the line keeps the value. The test matches every
// surrogate, paired or not: telling a lone one apart takes a lookaround, which made V8 scan
// a line with characters beyond U+00FF five times slower (1.1 µs against 0.2 µs).
const unsafe = new RegExp(`[${unsafeBeyondC0Class}\\ud800-\\udfff]`);
// A pair first, kept as it is (an emoji, a rare CJK character); then the rest.
const pairOrUnsafe = new RegExp(
  `[\\ud800-\\udbff][\\udc00-\\udfff]|[${unsafeBeyondC0Class}\\ud800-\\udfff]`,
  'g',
);
const escapeUnlessPair = (match: string) => (match.length === 2 ? match : unicodeEscape(match));

/**
 * One or more JSON log lines as they may be shown on a terminal: each character that JSON
 * escaping leaves raw but a terminal acts on becomes JSON's `\uXXXX` escape. JSON (pino's
 * escaping and JSON.stringify's) escapes only U+0000–U+001F, `"` and `\`, so text an
 * attacker controls (a User-Agent in a security event, a value a route logs) could carry
 * a C1 control such as CSI (U+009B, which some terminals take as the start of an escape
 * sequence: recolour, move the cursor, retitle the window), DEL, a bidi control that
 * reorders what the operator reads (CVE-2021-42574, "Trojan Source"), or a line separator
 * on which a viewer breaks the line.
 *
 * Safe on whole lines: pino writes keys, punctuation and numbers in ASCII, so these
 * characters can only stand inside JSON strings, where the escape means the same character.
 * The line stays valid JSON with the same values; a log shipper reads what it read before.
 * Applied once where lines leave the process (coalescing-destination.ts for stdout,
 * rotating-file.ts for the file), so pino's lines and the request-line writer's are both
 * covered. An escape already in the line is ASCII and stays as it is.
 *
 * Cost: the common line is pure ASCII, and then it is one `test` of a precompiled regular
 * expression and the line goes on unchanged. V8 scans a character class at about 0.65 ns a
 * character, so this is not tens of nanoseconds but ~170 ns for a 256-byte request line on
 * the development machine (Node 20; `node bench/tools/terminal-safe-line-cost.js` after
 * `npm run build`): a tenth of what writing the line costs (~1.5 µs), under 1% of a
 * request's CPU. Characters beyond U+00FF make it ~0.1 µs more; a line with an emoji (a
 * surrogate pair, found and kept) or a character to escape goes through `replace`:
 * ~0.6–0.8 µs.
 *
 * @example
 * terminalSafeLine('{"ua":"a\u009b31mb"}\n'); // '{"ua":"a\\u009b31mb"}\n'
 */
export function terminalSafeLine(lines: string): string {
  return unsafe.test(lines) ? lines.replace(pairOrUnsafe, escapeUnlessPair) : lines;
}

/** True when {@link terminalSafeLine} would return `text` as it is. */
export function isTerminalSafe(text: string): boolean {
  return !unsafe.test(text);
}

/**
 * A log stream that also takes lines already known to hold nothing a terminal acts on, and
 * writes them without the check: the request-line writer builds its lines from pieces it
 * has checked (request-line-writer.ts), so the one line every request writes is not
 * scanned a second time on its way out.
 */
export interface TerminalCheckedStream {
  /** `line` must be what {@link terminalSafeLine} returns unchanged. */
  writeTerminalSafe(line: string): boolean;
}

export function takesTerminalSafeLines(stream: object): stream is TerminalCheckedStream {
  return typeof (stream as Partial<TerminalCheckedStream>).writeTerminalSafe === 'function';
}
