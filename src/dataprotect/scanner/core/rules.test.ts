import { describe, expect, it } from 'vitest';
import { secretSamples } from '../../../../test/support/secret-samples.js';
import { githubTokenChecksumValid, secretRules } from './rules.js';
import { SecretMatcher } from './secret-matcher.js';

const matcher = new SecretMatcher();
const filler = 'function add(a, b) {\n  return a + b;\n}\n';

describe('secret rules', () => {
  it('every rule has a sample', () => {
    expect(new Set(secretSamples.map((s) => s.rule))).toEqual(
      new Set(secretRules.map((r) => r.id)),
    );
  });

  for (const s of secretSamples) {
    it(`${s.rule} finds its secret, at the right line and column`, () => {
      const text = `${filler}${s.positive}\n${filler}`;
      const found = matcher.scan(text);
      expect(found.map((f) => f.ruleId)).toEqual([s.rule]);
      const f = found[0];
      expect(f?.secret).toBe(s.secret);
      expect(f?.line).toBe(
        4 + (s.positive.slice(0, s.positive.indexOf(s.secret)).match(/\n/g)?.length ?? 0),
      );
      expect(text.slice(f?.offset, (f?.offset ?? 0) + s.secret.length)).toBe(s.secret);
      expect(f?.entropy).toBeGreaterThan(0);
    });

    it(`${s.rule} does not report its near miss`, () => {
      expect(matcher.scan(`${filler}${s.negative}\n${filler}`)).toEqual([]);
    });
  }

  it('a rampart:allow comment on the line keeps a finding quiet', () => {
    const s = secretSamples.find((x) => x.rule === 'stripe-live-key');
    expect(matcher.scan(`${s?.positive} // rampart:allow test fixture`)).toEqual([]);
    expect(matcher.scan(`${s?.positive}\n// rampart:allow`)).toHaveLength(1);
  });

  it('a generic assignment holding a specific token is reported once, by the specific rule', () => {
    const gh = secretSamples.find((x) => x.rule === 'github-token')?.secret;
    expect(matcher.scan(`token = "${gh}"`).map((f) => f.ruleId)).toEqual(['github-token']);
  });

  it('the generic rule matches names in any case, after non-ASCII text', () => {
    const g = secretSamples.find((x) => x.rule === 'generic-secret-assignment');
    const text = `İİİ\nAPI_KEY = "${g?.secret}"`;
    const [f] = matcher.scan(text);
    expect(f?.secret).toBe(g?.secret);
    expect(f?.line).toBe(2);
  });

  it('GitHub checksums follow the published format', () => {
    const gh = secretSamples.find((x) => x.rule === 'github-token')?.secret ?? '';
    expect(githubTokenChecksumValid(gh)).toBe(true);
    expect(githubTokenChecksumValid(`${gh.slice(0, -1)}${gh.endsWith('A') ? 'B' : 'A'}`)).toBe(
      false,
    );
  });

  it('several secrets in one text come out in order with correct lines', () => {
    const lines = secretSamples.map((s) => s.positive);
    const found = matcher.scan(lines.join('\n'));
    expect(found.map((f) => f.ruleId)).toEqual(secretSamples.map((s) => s.rule));
    expect(found.every((f, i) => i === 0 || f.offset > (found[i - 1]?.offset ?? 0))).toBe(true);
  });
});
