import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { integerOption } from './integer-option.js';

describe('integerOption', () => {
  const parse = integerOption(1, 10_000);

  it('reads whole decimal numbers within the bounds', () => {
    expect(parse('1')).toBe(1);
    expect(parse(' 250 ')).toBe(250);
    expect(parse('10000')).toBe(10_000);
  });

  it('refuses what parseInt read as a number: trailing words, fractions, exponents, hex', () => {
    for (const value of [
      '10abc',
      '1.5',
      '1e3',
      '0x10',
      'abc',
      '',
      '-1',
      '0',
      '10001',
      '9'.repeat(30),
    ])
      expect(() => parse(value), value).toThrow(InvalidArgumentError);
  });
});
