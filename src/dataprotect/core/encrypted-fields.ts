import type { EncryptedField } from '../store.js';

/**
 * Every column where Rampart keeps a sealed secret, with the associated data its owner
 * seals it with (these strings must match the owners': a mismatch fails to open).
 * `rampart keys rotate-data` re-encrypts each of them.
 */
export const encryptedFields: readonly EncryptedField[] = Object.freeze([
  {
    name: 'mfa_totp.secret',
    table: 'mfa_totp',
    idColumn: 'account_id',
    column: 'secret_sealed',
    associatedData: (id: string) => `mfa_totp:${id}`,
  },
  {
    name: 'signing_keys.private_key',
    table: 'signing_keys',
    idColumn: 'kid',
    column: 'private_key_sealed',
    associatedData: (id: string) => `signing_key:${id}`,
  },
  {
    name: 'api_keys.signing_secret',
    table: 'api_keys',
    idColumn: 'id',
    column: 'signing_secret_sealed',
    associatedData: (id: string) => `api_key_signing:${id}`,
  },
]);
