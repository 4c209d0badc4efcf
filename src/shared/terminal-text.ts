/**
 * Characters a terminal acts on instead of showing: C0 controls, DEL and C1 controls
 * (ESC starts the sequences that move the cursor, recolour, retitle the window or write
 * the clipboard; CSI is also a single C1 character, U+009B), and the bidirectional
 * embeddings, overrides and isolates that reorder what is shown (CVE-2021-42574, "Trojan
 * Source"). Line feed and tab are matched too; `lineBreaks: 'keep'` spares them.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const unsafe = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const unsafeButLineBreaks = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function escapeCharacter(c: string): string {
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
  return text.replace(
    options.lineBreaks === 'keep' ? unsafeButLineBreaks : unsafe,
    escapeCharacter,
  );
}
