import { defineErrors } from '../errors/rampart-error.js';

/** The dataprotect capability's error codes (data and master keys, GDPR, consents). */
export const dataProtectErrors = defineErrors({
  data_key_rotation_running: {
    status: 409,
    title: 'Data key rotation running',
    description:
      'A data key rotation is already running (on this or another node). Follow it with GET /v1/admin/keys/data; a rotation whose progress stopped for a minute may be started again and resumes.',
  },
  master_key_rotation_running: {
    status: 409,
    title: 'Master key rotation running',
    description:
      'A master key rotation is already running (on this or another node). Follow it with GET /v1/admin/keys/master; a rotation whose progress stopped for a minute may be started again and resumes.',
  },
  master_key_mismatch: {
    status: 500,
    title: 'Master key mismatch',
    description:
      'A stored data key is sealed by a master key that is not configured (neither masterKey nor masterKeyPrevious): Rampart refuses to start rather than lose the secrets it seals. The message names the data key and the fingerprint of the master key it needs; configure that key (as masterKey or in masterKeyPrevious) and start again.',
  },
  reauthentication_required: {
    status: 401,
    title: 'Re-authentication required',
    description:
      'This operation needs proof that the account holder is present: send the current `password`, or log in again within the last 5 minutes.',
  },
  last_admin_erasure: {
    status: 409,
    title: 'Last administrator',
    description:
      'The only active administrator cannot erase their account: make another administrator first, so the deployment is not left without one.',
  },
  consent_purpose_unknown: {
    status: 400,
    title: 'Unknown consent purpose',
    description: 'The purpose is not one of `dataProtection.consentPurposes`.',
  },
});
