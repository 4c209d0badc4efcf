import { describe, expect, it } from 'vitest';
import { quotedValueLimit, quoteValue, terminalText } from './terminal-text.js';

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

  // A carriage return sends the cursor back over the line just written: in text of several
  // lines, "ok\rFAILED" would show one word where the other was printed.
  it('keeps only line feeds and tabs in text of several lines: every other control is escaped', () => {
    for (let c = 0; c <= 0x9f; c++) {
      if (c >= 0x20 && c < 0x7f) continue;
      const shown = terminalText(`a${String.fromCharCode(c)}b`, { lineBreaks: 'keep' });
      if (c === 0x0a || c === 0x09) expect(shown).toBe(`a${String.fromCharCode(c)}b`);
      else expect(shown, `U+${c.toString(16)}`).toBe(`a\\u${c.toString(16).padStart(4, '0')}b`);
    }
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

describe('quoteValue', () => {
  const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

  it('quotes a short value whole, escaped, line breaks included', () => {
    expect(quoteValue('../../etc/passwd')).toBe('"../../etc/passwd"');
    expect(quoteValue('a\u001b[2J\nb\u202e')).toBe('"a\\u001b[2J\\u000ab\\u202e"');
    expect(quoteValue('')).toBe('""');
    expect(quoteValue('x', { quote: "'" })).toBe("'x'");
    expect(quoteValue('x', { quote: '' })).toBe('x');
  });

  it('shows a value of exactly the limit whole', () => {
    const value = 'a'.repeat(quotedValueLimit);
    expect(quoteValue(value)).toBe(`"${value}"`);
  });

  it('cuts a long value after the limit and says how many characters it has', () => {
    const quoted = quoteValue('a'.repeat(1_048_576));
    expect(quoted).toBe(`"${'a'.repeat(quotedValueLimit)}…" (1,048,576 characters)`);
    expect(quoteValue('b'.repeat(quotedValueLimit + 1), { quote: "'" })).toBe(
      `'${'b'.repeat(quotedValueLimit)}…' (121 characters)`,
    );
    expect(quoteValue('c'.repeat(5000), { quote: '' })).toBe(
      `${'c'.repeat(quotedValueLimit)}… (5,000 characters)`,
    );
  });

  it('escapes the part shown and counts escapes as shown, never cutting one in two', () => {
    // 117 + 6 (\u001b) is over the limit: the escape is left out whole.
    const value = `${'a'.repeat(quotedValueLimit - 3)}\u001b${'b'.repeat(200)}`;
    expect(quoteValue(value)).toBe(`"${'a'.repeat(quotedValueLimit - 3)}…" (318 characters)`);
    const controls = '\u009b'.repeat(1000);
    const quoted = quoteValue(controls);
    expect(quoted).toBe(`"${'\\u009b'.repeat(quotedValueLimit / 6)}…" (1,000 characters)`);
    expect(quoted).not.toMatch(/[\u0080-\u009f]/);
  });

  it('never cuts a surrogate pair, and counts it as one character', () => {
    const fox = '\u{1f98a}';
    const cutBefore = quoteValue(`${'a'.repeat(quotedValueLimit - 1)}${fox.repeat(100)}`);
    expect(cutBefore).toBe(`"${'a'.repeat(quotedValueLimit - 1)}…" (219 characters)`);
    expect(cutBefore).not.toMatch(loneSurrogate);
    const keptWhole = quoteValue(`${'a'.repeat(quotedValueLimit - 2)}${fox.repeat(100)}`);
    expect(keptWhole).toBe(`"${'a'.repeat(quotedValueLimit - 2)}${fox}…" (218 characters)`);
    expect(quoteValue(fox.repeat(200))).not.toMatch(loneSurrogate);
  });
});
