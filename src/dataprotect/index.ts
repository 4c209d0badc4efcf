export { configuredRedactor } from './configured-redactor.js';
export { GcmError, gcmDecrypt, gcmEncrypt } from './core/aes-gcm.js';
export {
  type ClassificationMatcher,
  type ClassificationRule,
  compileClassification,
  defaultClassification,
  defaultClassificationMatcher,
  type Handling,
  type Sensitivity,
} from './core/classification.js';
export { encryptedFields } from './core/encrypted-fields.js';
export { type DataKey, envelopeKeyId, KeyRing, newDataKey } from './core/key-ring.js';
export {
  applyHandling,
  createRedactor,
  hashValue,
  maskEmail,
  maskPartial,
  type Redactor,
  redactForLog,
} from './core/redaction.js';
export { createSealer, SealError, type Sealer } from './core/sealer.js';
export type { RotationOutcome } from './data-key-rotation.js';
export { DataKeyService } from './data-key-service.js';
export { dataProtectErrors } from './errors.js';
