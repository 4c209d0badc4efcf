export { type AnalyticsOptions, type AuditAnalytics, auditAnalytics } from './audit-analytics.js';
export { exportAuditRecords } from './audit-export.js';
export {
  AuditTrail,
  type AuditTrailOptions,
  toAuditEntry,
  verifyAuditStore,
} from './audit-trail.js';
export {
  type AuditEntry,
  type AuditRecord,
  canonicalRecord,
  chainEntries,
  genesisHash,
  recordHash,
} from './core/audit-record.js';
export { canonicalJson } from './core/canonical-json.js';
export { type ChainProblem, type ChainVerification, verifyChain } from './core/chain-verifier.js';
export {
  type AuditCheckpoint,
  type CheckpointSigner,
  checkpointIsAuthentic,
  checkpointPayload,
  deriveCheckpointSigner,
} from './core/checkpoint-signer.js';
export { verifyExportLines } from './core/export-verifier.js';
export { baseRisk, defaultRiskBase, parseRiskBase, riskScore } from './core/risk-score.js';
export { auditErrors } from './errors.js';
export type { AuditActivity, AuditQuery, AuditStore } from './store.js';
