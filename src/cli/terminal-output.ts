import { terminalText } from '../shared/terminal-text.js';

/**
 * The CLI's only way to stdout and stderr. Messages quote what the operator, a config
 * file or a RAMPART_* variable gave (paths, emails, URLs, keys, file names a scan found),
 * any of which can hold ESC sequences or bidi overrides; each write escapes them here,
 * once, so no command has to remember. Line feeds and tabs stay: messages span lines.
 * (A test keeps `process.stdout.write` out of every other file of src/cli.)
 */
export function writeOut(text: string): void {
  process.stdout.write(terminalText(text, { lineBreaks: 'keep' }));
}

/** stderr, escaped like {@link writeOut}: errors, warnings and prompts. */
export function writeErr(text: string): void {
  process.stderr.write(terminalText(text, { lineBreaks: 'keep' }));
}
