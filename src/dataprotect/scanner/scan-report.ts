import { type RedactedFinding, redactedFinding, type SecretFinding } from './core/finding.js';
import { sarifReport } from './core/sarif-report.js';
import type { ScanStats } from './file-scanner.js';
import type { KeyCheck } from './key-check.js';

export const scanFormats = ['text', 'json', 'sarif'] as const;
export type ScanFormat = (typeof scanFormats)[number];

export interface ScanOutcome {
  /** Findings not in the baseline: these fail the scan. */
  fresh: SecretFinding[];
  /** Findings the baseline accepts. */
  baselined: number;
  stats: ScanStats;
  checks: Map<SecretFinding, KeyCheck>;
}

type ReportedFinding = RedactedFinding & { verification?: KeyCheck };

function reported(outcome: ScanOutcome): ReportedFinding[] {
  return outcome.fresh.map((f) => {
    const check = outcome.checks.get(f);
    return { ...redactedFinding(f), ...(check ? { verification: check } : {}) };
  });
}

function describeCheck(check: KeyCheck): string {
  switch (check.status) {
    case 'active':
      return `ACTIVE key ${check.keyId} (${check.ownerKind} ${check.ownerId}): revoke it`;
    case 'inactive':
      return `inactive key ${check.keyId}`;
    case 'revoked':
      return `was active; revoked key ${check.keyId} just now`;
    case 'unknown':
      return 'not a key of this server';
    case 'error':
      return `server check failed (${check.code ?? check.httpStatus ?? 'network'})`;
  }
}

/**
 * The report in the asked format. Every format is built from redacted findings only, so
 * no path leads from a finding's secret to the output.
 */
export function formatScanReport(outcome: ScanOutcome, format: ScanFormat): string {
  const findings = reported(outcome);
  if (format === 'sarif') return `${JSON.stringify(sarifReport(findings), null, 2)}\n`;
  if (format === 'json')
    return `${JSON.stringify({ findings, baselined: outcome.baselined, stats: outcome.stats }, null, 2)}\n`;
  const lines = findings.map((f) => {
    const where = `${f.file}:${f.line}:${f.column}${f.commit ? ` (commit ${f.commit.slice(0, 12)})` : ''}`;
    const check = f.verification ? `  [${describeCheck(f.verification)}]` : '';
    return `${where}  ${f.ruleId}  ${f.evidence}  entropy ${f.entropy.toFixed(2)}${check}`;
  });
  const s = outcome.stats;
  const mb = (s.bytes / 1_000_000).toFixed(1);
  lines.push(
    `${findings.length} new secret${findings.length === 1 ? '' : 's'}` +
      (outcome.baselined > 0 ? `, ${outcome.baselined} in the baseline` : '') +
      ` (${s.files} scanned, ${mb} MB; skipped ${s.skippedBinary} binary, ${s.skippedLarge} too large, ${s.ignored} ignored)`,
  );
  return `${lines.join('\n')}\n`;
}
