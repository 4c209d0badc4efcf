import { describe, expect, it } from 'vitest';
import { terminalText } from './terminal-text.js';

describe('terminalText', () => {
  it('escapes ESC, every other C0 and C1 control, DEL, the bidi controls and the line separators', () => {
    expect(terminalText('a\u001b[2Jb')).toBe('a\\u001b[2Jb');
    expect(terminalText('\u001b]0;owned\u0007')).toBe('\\u001b]0;owned\\u0007');
    expect(terminalText('\u009b31m')).toBe('\\u009b31m'); // CSI as one C1 character
    expect(terminalText('x\ry')).toBe('x\\u000dy');
    expect(terminalText('\u0000\u007f')).toBe('\\u0000\\u007f');
    expect(terminalText('admin\u202etxt.exe')).toBe('admin\\u202etxt.exe');
    for (let c = 0; c <= 0x9f; c++)
      if (c < 0x20 || c >= 0x7f)
        expect(terminalText(String.fromCharCode(c)), `U+${c.toString(16)}`).toMatch(
          /^\\u00[0-9a-f]{2}$/,
        );
    // Unicode's Bidi_Control characters: the marks, the embeddings and overrides, the isolates.
    const bidi = [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e];
    for (const c of [...bidi, 0x2066, 0x2067, 0x2068, 0x2069, 0x2028, 0x2029])
      expect(terminalText(String.fromCharCode(c))).toBe(`\\u${c.toString(16).padStart(4, '0')}`);
    // Line separators are escaped even where line feeds are kept.
    expect(terminalText('a\u2028b', { lineBreaks: 'keep' })).toBe('a\\u2028b');
  });

  it('escapes line feeds and tabs in one line, and keeps them in text of several lines', () => {
    expect(terminalText('a\nb\tc')).toBe('a\\u000ab\\u0009c');
    expect(terminalText('a\nb\tc\u001b', { lineBreaks: 'keep' })).toBe('a\nb\tc\\u001b');
  });

  it('leaves printable text alone, in any script, and is idempotent', () => {
    const text = 'café 東京 🦊 <a@example.com> "quoted" \\ path/to/file — ok';
    expect(terminalText(text)).toBe(text);
    const once = terminalText('\u001b[31mred\u202e');
    expect(terminalText(once)).toBe(once);
  });

  it('keeps JSON valid and its values the same', () => {
    const value = { s: 'a\u001b\u009b\u202eb' };
    const printed = terminalText(JSON.stringify(value), { lineBreaks: 'keep' });
    expect(printed).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/);
    expect(JSON.parse(printed)).toEqual(value);
  });
});
