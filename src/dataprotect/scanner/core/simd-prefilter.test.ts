import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../test/support/secret-samples.js';
import { prefilterModule } from './prefilter-wasm.js';
import { SimdPrefilter, type Trigger } from './simd-prefilter.js';
import { bucketsOf } from './teddy-buckets.js';

/** Where a trigger starts, by brute force. */
function exactStarts(text: string, triggers: readonly Trigger[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++)
    if (
      triggers.some((t) =>
        t.every((set, k) => i + k < text.length && set.includes(text[i + k] ?? '')),
      )
    )
      out.push(i);
  return out;
}

function candidates(prefilter: SimdPrefilter, text: string): number[] {
  prefilter.input(text.length).write(text, 'latin1');
  prefilter.scan(text.length);
  const out: number[] = [];
  prefilter.forEachCandidate((at) => out.push(at));
  return out;
}

// More triggers than buckets, sets that nibble tables cannot hold exactly, short ones.
const triggers: Trigger[] = [
  ['A', 'KSBC', 'IC'],
  ['A', 'I', 'z'],
  ['wW', 'sS', '_'],
  ['g', 'h', 'pousr'],
  ['x', 'o', 'x'],
  ['k', '_', 'l'],
  ['-', 'B', 'E'],
  ['e', 'y', 'J'],
  ['r', 'm', 'p'],
  [':', '/', '/'],
  ['=:>', '"\'`'],
  ['=:>', ' \t', '"\'`'],
  ['=:>', ' \t', ' \t'],
  ['é'],
  ['q', 'Z'],
  ['1', '2', '3'],
  ['4', '5', '6'],
  ['7', '8', '9'],
];
const alphabet = 'AKSBCIzwWs_ghpoxkl-BEeyJrm:/="\'` \t\né qZ123456789abc';

describe('SIMD prefilter', () => {
  for (const maxBuckets of [1, 8, 16]) {
    it(`reports every position where a trigger starts, at any alignment and length (${maxBuckets} buckets)`, () => {
      const prefilter = new SimdPrefilter(triggers, { maxBuckets });
      const random = seededRandom(6);
      for (let n = 0; n < 400; n++) {
        const text = random(alphabet, n % 97);
        const found = new Set(candidates(prefilter, text));
        for (const at of exactStarts(text, triggers))
          expect(found.has(at), `${text} @${at}`).toBe(true);
      }
    });
  }

  it('lets through few positions beyond the exact ones', () => {
    const prefilter = new SimdPrefilter(triggers, { maxBuckets: 16 });
    const text = seededRandom(7)(alphabet, 50_000);
    const exact = exactStarts(text, triggers).length;
    expect(candidates(prefilter, text).length).toBeLessThan(exact * 1.5);
  });

  it('grows its memory for a large input, and a shorter input after it sees none of the old bytes', () => {
    const prefilter = new SimdPrefilter([['A', 'K', 'I']]);
    const big = `${'x'.repeat(3_000_000)}AKIA${'y'.repeat(40)}AKI`;
    expect(candidates(prefilter, big)).toEqual([3_000_000, 3_000_044]);
    expect(candidates(prefilter, 'x'.repeat(3_000_044))).toEqual([]);
    // The last trigger cut by the end of the input is not reported.
    expect(candidates(prefilter, `${'x'.repeat(30)}AK`)).toEqual([]);
  });

  it('counts line feeds in any range', () => {
    const prefilter = new SimdPrefilter([['A']]);
    const text = seededRandom(8)('ab\n\n', 5000);
    prefilter.input(text.length).write(text, 'latin1');
    let state = 8;
    const next = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    for (let n = 0; n < 300; n++) {
      const from = next(text.length);
      const to = from + next(text.length - from + 1);
      expect(prefilter.lines(from, to)).toBe(text.slice(from, to).split('\n').length - 1);
    }
  });

  it('groups any number of triggers into at most 16 buckets', () => {
    const many: Trigger[] = Array.from({ length: 40 }, (_, i) => [
      String.fromCharCode(65 + i),
      'x',
    ]);
    expect(bucketsOf(many, 16).length).toBe(16);
    expect(bucketsOf(many).length).toBe(8);
    expect(bucketsOf([['a', 'b']]).length).toBe(1);
  });

  it('refuses triggers it cannot encode', () => {
    expect(() => prefilterModule([['a', 'b', 'c', 'd']])).toThrow();
    expect(() => prefilterModule([['a', '']])).toThrow();
    expect(() => prefilterModule([['\0']])).toThrow();
    expect(() => prefilterModule([['€']])).toThrow();
    expect(() => prefilterModule([['a']], 17)).toThrow();
    expect(() => prefilterModule([['a']], 17)).toThrow();
  });
});
