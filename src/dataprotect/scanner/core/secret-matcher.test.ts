import { describe, expect, it } from 'vitest';
import { secretSamples } from '../../../../test/support/secret-samples.js';
import { SecretMatcher } from './secret-matcher.js';

const matcher = new SecretMatcher();
const sample = (rule: string) => {
  const s = secretSamples.find((x) => x.rule === rule);
  if (!s) throw new Error(rule);
  return s;
};

describe('SecretMatcher around the SIMD prefilter', () => {
  it('finds every sample at every offset in a 16-byte block, and at the very end of the text', () => {
    for (const s of secretSamples)
      for (let pad = 0; pad < 34; pad++) {
        for (const text of [
          `${' '.repeat(pad)}${s.positive}`,
          `${'x'.repeat(pad)}\n${s.positive}\nconst a = 1;\n`,
        ]) {
          const found = matcher.scan(text);
          expect(
            found.map((f) => f.ruleId),
            `${s.rule} after ${pad}`,
          ).toEqual([s.rule]);
          expect(found[0]?.secret).toBe(s.secret);
        }
      }
  });

  it('gives offsets in characters and columns in UTF-16 units for a string with non-ASCII text', () => {
    const gh = sample('github-token');
    const text = `// Größe 😀\nconst a = 'é'; ${gh.positive}\n`;
    const [f] = matcher.scan(text);
    expect(text.slice(f?.offset, (f?.offset ?? 0) + gh.secret.length)).toBe(gh.secret);
    const line = `const a = 'é'; ${gh.positive}`;
    expect(f).toMatchObject({ line: 2, column: line.indexOf(gh.secret) + 1 });
  });

  it('scans bytes written to input() as it scans the same text as a string', () => {
    const text = `# Zürich\n${secretSamples.map((s) => s.positive).join('\n')}\n`;
    const bytes = Buffer.from(text, 'utf8');
    bytes.copy(matcher.input(bytes.length));
    const fromBytes = matcher.scanInput(bytes.length);
    const fromString = matcher.scan(text);
    expect(fromBytes.map((f) => [f.ruleId, f.secret, f.line, f.column])).toEqual(
      fromString.map((f) => [f.ruleId, f.secret, f.line, f.column]),
    );
  });

  it('finds secrets in a text larger than its memory, on the right lines', () => {
    const stripe = sample('stripe-live-key');
    const jwt = sample('jwt');
    const lines = Array.from({ length: 200_000 }, (_, i) => `const v${i} = ${i};`);
    lines[150_000] = stripe.positive;
    lines.push(jwt.positive);
    const found = matcher.scan(lines.join('\n'));
    expect(found.map((f) => [f.ruleId, f.line])).toEqual([
      ['stripe-live-key', 150_001],
      ['jwt', 200_001],
    ]);
  });

  it('finds secrets on a megabyte-long line (minified code)', () => {
    const aws = sample('aws-access-key-id');
    const generic = sample('generic-secret-assignment');
    const filler = 'a=b;c="d";e:f,'.repeat(40_000);
    const text = `${filler}${aws.positive};${filler}${generic.positive};${filler}`;
    const found = matcher.scan(text);
    expect(found.map((f) => f.ruleId)).toEqual([aws.rule, generic.rule]);
    expect(found[1]?.column).toBe(text.indexOf(generic.secret) + 1);
  });

  it('sees nothing of an earlier, longer text in the next scan', () => {
    const gh = sample('github-token');
    expect(matcher.scan(`${'y'.repeat(100)}\n${gh.positive}`)).toHaveLength(1);
    expect(matcher.scan('y'.repeat(100))).toEqual([]);
    // Cut inside the token: the bytes after the end must not complete it.
    const cut = `${'y'.repeat(100)}\n${gh.positive}`.slice(
      0,
      101 + gh.positive.indexOf(gh.secret) + 10,
    );
    expect(matcher.scan(cut)).toEqual([]);
  });
});
