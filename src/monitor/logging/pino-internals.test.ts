import { describe, expect, it } from 'vitest';
import { asString, Verbatim, verbatimKind } from './pino-internals.js';

describe('verbatimKind', () => {
  it('tells, for every UTF-16 code unit, whether asString writes it as it is and if it is printable ASCII', () => {
    const wrong: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const str = `a${String.fromCharCode(code)}b`;
      const verbatim = asString(str) === `"${str}"`;
      const printable = code >= 0x20 && code <= 0x7e;
      const expected = !verbatim ? Verbatim.no : printable ? Verbatim.ascii : Verbatim.other;
      if (verbatimKind(str) !== expected) wrong.push(`U+${code.toString(16)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('sees an escape or a character beyond ASCII anywhere in the string', () => {
    const plain = 'x'.repeat(50);
    expect(verbatimKind(plain)).toBe(Verbatim.ascii);
    expect(verbatimKind('')).toBe(Verbatim.ascii);
    for (const odd of ['"', '\\', '\n', '\u007f', 'é']) {
      for (const at of [0, 25, 50]) {
        const str = `${plain.slice(0, at)}${odd}${plain.slice(at)}`;
        expect(verbatimKind(str)).toBe(asString(str) === `"${str}"` ? Verbatim.other : Verbatim.no);
      }
    }
  });
});
