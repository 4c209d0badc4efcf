import type { EventTypeCatalog } from './security-event.js';

/**
 * The data protection events of the security event catalog (security-event.ts): the
 * secret scanner, key rotations, GDPR and consent.
 */

/** Secrets found by the scanner. */
export const secretEvents = {
  'secret.detected': {
    severity: 'critical',
    description:
      'A secret (API key, token, private key, password) was found in a scanned request body or payload; details carry the rule and redacted evidence, never the secret.',
  },
} as const satisfies EventTypeCatalog;

/** Data key and master key rotations. */
export const keyEvents = {
  'data_key.rotated': {
    severity: 'notice',
    description:
      'A new primary data key was made; re-encryption of every sealed field started (rampart keys rotate-data).',
  },
  'data_key.rotation.completed': {
    severity: 'notice',
    description:
      'Every sealed field was re-encrypted under the primary data key; unused keys were retired.',
  },
  'master_key.rotated': {
    severity: 'warning',
    description:
      'A master key rotation started: every data key is being re-sealed under the current master key (rampart keys rotate-master); details.from lists the previous keys by fingerprint.',
  },
  'master_key.rotation.completed': {
    severity: 'notice',
    description:
      'Every data key is sealed by the current master key and no value is sealed by a master key directly any more.',
  },
} as const satisfies EventTypeCatalog;

/** GDPR export and erasure, consent. */
export const privacyEvents = {
  'gdpr.exported': {
    severity: 'notice',
    description: 'An account downloaded everything Rampart holds about it (GET /v1/me/export).',
  },
  'gdpr.erased': {
    severity: 'warning',
    description:
      'An account erased its personal data (DELETE /v1/me); its audit records keep a pseudonymous id.',
  },
  'consent.changed': {
    severity: 'info',
    description: 'An account granted or withdrew consent for a purpose.',
  },
} as const satisfies EventTypeCatalog;
