import { rampartVersion } from '../../../version.js';
import type { RedactedFinding } from './finding.js';
import { secretRules } from './rules.js';

/**
 * SARIF 2.1.0 (OASIS), the format GitHub code scanning and most CI dashboards ingest.
 * Only the redacted evidence goes in: SARIF files are uploaded and kept as artifacts.
 */
export function sarifReport(findings: readonly RedactedFinding[]): Record<string, unknown> {
  const ruleIndex = new Map(secretRules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'rampart-scan',
            version: rampartVersion,
            rules: secretRules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()),
              shortDescription: { text: r.title },
              defaultConfiguration: { level: 'error' },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: ruleIndex.get(f.ruleId) ?? 0,
          level: 'error',
          message: { text: `${f.title}: ${f.evidence} (entropy ${f.entropy.toFixed(2)})` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeURI(f.file) },
                region: { startLine: f.line, startColumn: f.column },
              },
            },
          ],
          partialFingerprints: { 'rampartSecret/v1': f.fingerprint },
          ...(f.commit ? { properties: { commit: f.commit } } : {}),
        })),
      },
    ],
  };
}
