/**
 * Attack: a secret scanner's output is an artifact that travels (CI logs, SARIF uploaded
 * to code scanning, a baseline committed to the repository, audit events). If any of it
 * carried the secret, running the scanner would itself leak what it found. Every output
 * path must carry redacted evidence only: at most the first 4 characters.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { secretSamples } from '../../../test/support/secret-samples.js';
import { writeBaseline } from './baseline.js';
import { findingFingerprint, type SecretFinding } from './core/finding.js';
import { findSecretsInPayload } from './core/payload-scan.js';
import { SecretMatcher } from './core/secret-matcher.js';
import { formatScanReport, scanFormats } from './scan-report.js';

const matcher = new SecretMatcher();

function findingsOfAllSamples(): SecretFinding[] {
  return secretSamples.flatMap((s) =>
    matcher.scan(s.positive).map((f) => ({
      ruleId: f.ruleId,
      file: `${s.rule}.txt`,
      line: f.line,
      column: f.column,
      secret: f.secret,
      entropy: f.entropy,
      commit: 'abc123',
      fingerprint: findingFingerprint(f.ruleId, `${s.rule}.txt`, f.secret),
    })),
  );
}

/**
 * True when `output` holds any 8-character run of the secret past its first 4 characters
 * (what redaction shows; public prefixes such as `https://` appear elsewhere anyway).
 */
function leaks(output: string, secret: string): boolean {
  const core = secret.replace(/-----(BEGIN|END) [A-Z ]+-----|\\n|\s/g, '');
  for (let i = 4; i + 8 <= core.length; i += 2)
    if (output.includes(core.slice(i, i + 8))) return true;
  return false;
}

describe('secret scanner output never carries a secret', () => {
  const findings = findingsOfAllSamples();

  it('finds every sample (the premise of the checks below)', () => {
    expect(findings).toHaveLength(secretSamples.length);
  });

  for (const format of scanFormats) {
    it(`the ${format} report shows redacted evidence only`, () => {
      const report = formatScanReport(
        {
          fresh: findings,
          baselined: 0,
          stats: { files: 1, bytes: 1, skippedBinary: 0, skippedLarge: 0, ignored: 0 },
          checks: new Map(),
        },
        format,
      );
      for (const f of findings)
        expect(leaks(report, f.secret), `${format} ${f.ruleId}`).toBe(false);
    });
  }

  it('the baseline file holds fingerprints and redacted evidence only', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'rampart-baseline-')), 'baseline.json');
    await writeBaseline(path, findings);
    const text = readFileSync(path, 'utf8');
    for (const f of findings) expect(leaks(text, f.secret), f.ruleId).toBe(false);
  });

  it('runtime payload findings carry redacted evidence only', () => {
    const payload = Object.fromEntries(secretSamples.map((s) => [s.rule, s.positive]));
    const found = findSecretsInPayload(matcher, payload);
    expect(new Set(found.map((f) => f.ruleId)).size).toBe(secretSamples.length);
    const text = JSON.stringify(found);
    for (const s of secretSamples) expect(leaks(text, s.secret), s.rule).toBe(false);
  });
});
