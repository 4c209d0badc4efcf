import type { EncryptedField } from '../store.js';
import { sealedContexts } from './associated-data.js';

/**
 * Every column where Rampart keeps a value sealed by the data key ring, with the
 * associated data its owner seals it with (from the one registry, associated-data.ts).
 * `rampart keys rotate-data` re-encrypts each of them; `rotate-master` moves values
 * still sealed directly by the master key into the ring.
 */
export const encryptedFields: readonly EncryptedField[] = Object.freeze([
  {
    name: 'mfa_totp.secret',
    table: 'mfa_totp',
    idColumn: 'account_id',
    column: 'secret_sealed',
    associatedData: sealedContexts.mfaTotp,
  },
  {
    name: 'signing_keys.private_key',
    table: 'signing_keys',
    idColumn: 'kid',
    column: 'private_key_sealed',
    associatedData: sealedContexts.signingKey,
  },
  {
    name: 'api_keys.signing_secret',
    table: 'api_keys',
    idColumn: 'id',
    column: 'signing_secret_sealed',
    associatedData: sealedContexts.apiKeySigning,
  },
  {
    name: 'oauth_providers.client_secret',
    table: 'oauth_providers',
    idColumn: 'id',
    column: 'client_secret_sealed',
    associatedData: sealedContexts.oauthProvider,
  },
  {
    name: 'alert_channels.settings',
    table: 'alert_channels',
    idColumn: 'id',
    column: 'settings_sealed',
    associatedData: sealedContexts.alertChannel,
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
