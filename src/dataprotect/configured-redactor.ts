import { hkdfSync } from 'node:crypto';
import type { RampartConfig } from '../config/schema.js';
import { compileClassification, defaultClassification } from './core/classification.js';
import { createRedactor, type Redactor } from './core/redaction.js';

/** The key for `hash` handling: HKDF-SHA-256 of the master key for this one purpose. */
export function deriveClassificationHashKey(masterKey: Buffer): Buffer {
  return Buffer.from(
    hkdfSync('sha256', masterKey, Buffer.alloc(0), 'rampart/classify-hash/v1', 32),
  );
}

/**
 * The redactor for this configuration: `dataProtection.classification` first, then the
 * built-in rules; `hash` handling keyed by the master key.
 */
export function configuredRedactor(
  config: Pick<RampartConfig, 'dataProtection'>,
  masterKey?: Buffer,
): Redactor {
  return createRedactor({
    matcher: compileClassification([
      ...config.dataProtection.classification,
      ...defaultClassification,
    ]),
    ...(masterKey ? { hashKey: deriveClassificationHashKey(masterKey) } : {}),
  });
}
