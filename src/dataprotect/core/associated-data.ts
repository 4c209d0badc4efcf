/**
 * The associated data of every value Rampart seals, in one place. AES-GCM authenticates
 * it with the value, binding each value to its row: a value copied to another row fails
 * to open. The owners seal and open with these, and `rampart keys rotate-data` /
 * `rotate-master` re-encrypt with them (encrypted-fields.ts), so the two can never
 * disagree; a change here is a breaking change of every stored value.
 *
 * @example
 * sealer.seal(secret, sealedContexts.mfaTotp(accountId));
 */
export const sealedContexts = Object.freeze({
  /** `mfa_totp.secret_sealed` (identity: TOTP secrets). */
  mfaTotp: (accountId: string) => `mfa_totp:${accountId}`,
  /** `signing_keys.private_key_sealed` (identity: JWT signing keys). */
  signingKey: (kid: string) => `signing_key:${kid}`,
  /** `api_keys.signing_secret_sealed` (identity: request-signing secrets). */
  apiKeySigning: (id: string) => `api_key_signing:${id}`,
  /** `oauth_providers.client_secret_sealed` (identity: social login client secrets). */
  oauthProvider: (id: string) => `oauth_provider:${id}`,
  /** `alert_channels.settings_sealed` (monitor: notification channel settings). */
  alertChannel: (id: string) => `alert_channel:${id}`,
  /** `data_keys.key_sealed`: a data key, sealed by the master key. */
  dataKey: (id: string) => `data_key:${id}`,
  /** Idempotent responses cached in the hot store, sealed by the master key. */
  idempotentResponse: (key: string) => `idempotency:${key}`,
});
