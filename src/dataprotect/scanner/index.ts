export { type BaselineFile, readBaseline, writeBaseline } from './baseline.js';
export { shannonEntropy } from './core/entropy.js';
export {
  findingFingerprint,
  type RedactedFinding,
  redactedFinding,
  type SecretFinding,
} from './core/finding.js';
export { type IgnorePatterns, parseIgnorePatterns } from './core/ignore-patterns.js';
export { findSecretsInPayload, type PayloadFinding } from './core/payload-scan.js';
export { redactSecret } from './core/redact.js';
export { type SecretRule, secretRules } from './core/rules.js';
export { sarifReport } from './core/sarif-report.js';
export { SecretMatcher, type TextFinding } from './core/secret-matcher.js';
export { scanPaths } from './file-scanner.js';
export { scanHistory, scanStaged } from './git-scanner.js';
export { checkFoundKeys, type KeyCheck } from './key-check.js';
export { runScan } from './run-scan.js';
export { default as secretScanPlugin } from './secret-scan.plugin.js';
