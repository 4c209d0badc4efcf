import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { terminalSafeLine } from './terminal-safe-line.js';

const c1 = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i));
const bidi = [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e]
  .concat([0x2066, 0x2067, 0x2068, 0x2069])
  .map((code) => String.fromCharCode(code));
const separators = ['\u2028', '\u2029'];
const loneSurrogates = ['\ud800', '\udbff', '\udc00', '\udfff'];
const unsafe = ['\u007f', ...c1, ...bidi, ...separators, ...loneSurrogates];

const escapeOf = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

// A raw character a terminal would act on, or a lone surrogate, anywhere in the text.
const rawUnsafe =
  /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The line pino itself writes for `value`, which leaves all of these characters raw. */
function pinoLine(value: string): string {
  const lines: string[] = [];
  const logger = pino({ base: null, timestamp: false }, { write: (chunk) => lines.push(chunk) });
  logger.info({ value }, 'probe');
  return lines.join('');
}

describe('terminalSafeLine', () => {
  it('writes DEL, every C1 control, the bidi controls, the line separators and lone surrogates as JSON escapes', () => {
    for (const c of unsafe) {
      const code = `U+${c.charCodeAt(0).toString(16)}`;
      const line = pinoLine(`a${c}b`);
      // pino leaves it raw: without this step the terminal would get it.
      expect(line, code).toContain(c);
      const safe = terminalSafeLine(line);
      expect(safe, code).toContain(`a${escapeOf(c)}b`);
      expect(safe, code).not.toMatch(rawUnsafe);
    }
    expect(terminalSafeLine('"\u009b[2J"')).toBe('"\\u009b[2J"');
  });

  it('gives back a line that parses to the very values pino was given', () => {
    const value = `csi\u009b31m del\u007f ${bidi.join('')} ${separators.join('')} ${loneSurrogates.join(' ')} end`;
    const line = pinoLine(value);
    const safe = terminalSafeLine(line);
    expect(safe).not.toMatch(rawUnsafe);
    expect(JSON.parse(safe)).toEqual({ level: 30, value, msg: 'probe' });
  });

  it('escapes a lone surrogate beside a pair and keeps the pair', () => {
    const value = '\ud83e\udd8a\ud800\udc00\udc00\ud83e\udd8a\ud800';
    const safe = terminalSafeLine(pinoLine(value));
    expect(safe).toContain('"\ud83e\udd8a\ud800\udc00\\udc00\ud83e\udd8a\\ud800"');
    expect((JSON.parse(safe) as { value: string }).value).toBe(value);
  });

  it('returns ASCII and ordinary non-ASCII text as it is', () => {
    for (const value of ['GET /v1/me 200', 'café', '東京 中文', '🦊 emoji 👩‍💻', 'ÿ þ « » ©', '']) {
      const line = pinoLine(value);
      expect(terminalSafeLine(line)).toBe(line);
    }
  });

  it('keeps several lines apart: line feeds between them stay as they are', () => {
    const chunk = `${pinoLine('one\u009b')}${pinoLine('two')}${pinoLine('three\u2028')}`;
    const lines = terminalSafeLine(chunk).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.slice(0, 3).map((l) => (JSON.parse(l) as { value: string }).value)).toEqual([
      'one\u009b',
      'two',
      'three\u2028',
    ]);
  });

  it('leaves an escape pino already wrote alone, and a logged backslash-u as text', () => {
    // A value holding a backslash and `u009b` (six characters) is written `\\u009b`.
    const literal = '\\u009b and \\u202e';
    const line = pinoLine(literal);
    expect(terminalSafeLine(line)).toBe(line);
    expect((JSON.parse(terminalSafeLine(line)) as { value: string }).value).toBe(literal);
    // An escape JSON.stringify wrote (a long string, or a C0 control) stays one escape.
    const escaped = pinoLine(`\u001b${'x'.repeat(120)}`);
    expect(escaped).toContain('\\u001b');
    expect(terminalSafeLine(escaped)).toBe(escaped);
  });

  it('is idempotent', () => {
    const once = terminalSafeLine(pinoLine(`\u009b\u202e\u2028\ud800 ${'y'.repeat(150)}`));
    expect(terminalSafeLine(once)).toBe(once);
  });
});
