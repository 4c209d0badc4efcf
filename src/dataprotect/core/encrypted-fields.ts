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
  {
    name: 'oauth_providers.client_secret',
    table: 'oauth_providers',
    idColumn: 'id',
    column: 'client_secret_sealed',
    associatedData: (id: string) => `oauth_provider:${id}`,
  },
  {
    name: 'alert_channels.settings',
    table: 'alert_channels',
    idColumn: 'id',
    column: 'settings_sealed',
    associatedData: (id: string) => `alert_channel:${id}`,
  },
  {
    // The exact request an approval is for (src/storage/sql/sql-approval-store.ts).
    name: 'authz_approvals.request',
    table: 'authz_approvals',
    idColumn: 'id',
    column: 'request_sealed',
    associatedData: (id: string) => `authz_approvals.request:${id}`,
  },
]);
