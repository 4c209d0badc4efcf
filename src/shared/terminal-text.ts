/**
 * Characters beyond the C0 controls that a terminal acts on instead of showing, or that
 * change what it shows: DEL and the C1 controls (CSI is also a single C1 character,
 * U+009B), Unicode's bidirectional controls (the Bidi_Control property: the marks ALM, LRM
 * and RLM, the embeddings and overrides, the isolates), which reorder what is shown
 * (CVE-2021-42574, "Trojan Source"), and the line and paragraph separators U+2028 and
 * U+2029, on which some viewers and tools break a line. Written as the inside of a
 * regular-expression character class: the JSON log lines need them without the C0
 * controls, which JSON already escapes (monitor/logging/terminal-safe-line.ts).
 */
export const unsafeBeyondC0Class =
  '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';

// The C0 controls too (ESC starts the sequences that move the cursor, recolour, retitle
// the window or write the clipboard). Line feed and tab are matched as well;
// `lineBreaks: 'keep'` spares them.
const unsafe = new RegExp(`[\\u0000-\\u001f${unsafeBeyondC0Class}]`, 'g');
const unsafeButLineBreaks = new RegExp(
  `[\\u0000-\\u0008\\u000b-\\u001f${unsafeBeyondC0Class}]`,
  'g',
);

/**
 * The escape `\uXXXX` of one UTF-16 code unit: visible on a terminal, and JSON's own
 * escape, so inside a JSON string it stands for the same character.
 *
 * @example
 * unicodeEscape('\u009b'); // '\\u009b'
 */
export function unicodeEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export interface TerminalTextOptions {
  /**
   * `keep` leaves line feeds and tabs as they are, for text of several lines; `escape`
   * (the default) escapes them too, for one line built from untrusted parts.
   */
  lineBreaks?: 'keep' | 'escape';
}

/**
 * Text that shows on a terminal as written: every control or bidi character becomes the
 * visible escape `\uXXXX`. A config file, an argument or a variable echoed in a message
 * can then no longer rewrite the operator's terminal. Inside a JSON string the escape is
 * JSON's own, so JSON output stays valid and keeps its values.
 *
 * @example
 * terminalText('bad\u001b[2Jvalue'); // 'bad\\u001b[2Jvalue'
 */
export function terminalText(text: string, options: TerminalTextOptions = {}): string {
  return text.replace(options.lineBreaks === 'keep' ? unsafeButLineBreaks : unsafe, unicodeEscape);
}

/** How many characters of a quoted value a message shows, escapes counted as shown. */
export const quotedValueLimit = 120;

const grouped = new Intl.NumberFormat('en-US');

export interface QuoteValueOptions {
  /** The marks around the value: `"` (the default), `'`, or none. */
  quote?: '"' | "'" | '';
}

/**
 * A value a message quotes (an argument, a path, a config key or value) as a terminal
 * should show it: escaped like {@link terminalText}, line breaks too (one value, one line),
 * and beyond {@link quotedValueLimit} characters cut, followed by how many characters it
 * has. A 1 MB argument echoed whole buried the message that named the problem. The cut
 * falls between two characters as shown, never inside an escape or a surrogate pair.
 *
 * @example
 * quoteValue('port'); // '"port"'
 * quoteValue('a'.repeat(5000)); // '"aaa…aaa…" (5,000 characters)', 120 a's shown
 */
export function quoteValue(value: string, options: QuoteValueOptions = {}): string {
  const quote = options.quote ?? '"';
  let shown = '';
  let characters = 0;
  let cut = false;
  // Code points, not UTF-16 units: a surrogate pair is one character, shown or left out.
  for (const character of value) {
    characters += 1;
    if (cut) continue;
    const escaped = terminalText(character);
    if (shown.length + escaped.length > quotedValueLimit) cut = true;
    else shown += escaped;
  }
  if (!cut) return `${quote}${shown}${quote}`;
  return `${quote}${shown}…${quote} (${grouped.format(characters)} characters)`;
}
