/**
 * Kysely table types shared by the SQLite and PostgreSQL adapters. Times are integer
 * milliseconds since the Unix epoch (bigint in PostgreSQL, parsed to number); JSON is
 * stored as text so both databases share one set of migrations.
 */
export interface AccountsTable {
  id: string;
  /** Normalised (NFC, trimmed, lower-case); unique. */
  email: string;
  name: string | null;
  password_hash: string | null;
  status: 'active' | 'disabled';
  created_at: number;
  updated_at: number;
  password_changed_at: number | null;
  /** An administrator's lock (status `disabled`): when, by whom, why, until when. */
  disabled_at: number | null;
  disabled_by: string | null;
  disabled_reason: string | null;
  disabled_until: number | null;
}

export interface AccountRolesTable {
  account_id: string;
  role: string;
  granted_at: number;
}

export interface SigningKeysTable {
  kid: string;
  algorithm: string;
  /** Public JWK as JSON; null for symmetric (HS256) keys. */
  public_jwk: string | null;
  /** The private JWK, sealed with the master key. */
  private_key_sealed: string;
  created_at: number;
  /** When it stopped signing; null for the current key. */
  retired_at: number | null;
  /** After this instant no token it signed can be valid; it leaves the JWKS. */
  verify_until: number | null;
}

export interface InvitesTable {
  id: string;
  token_hash: string;
  email: string | null;
  roles: string;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by: string | null;
}

export interface BootstrapTokensTable {
  id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface SessionsTable {
  id: string;
  account_id: string;
  created_at: number;
  last_seen_at: number;
  /** Absolute end of the session, whatever its activity. */
  expires_at: number;
  ip: string | null;
  user_agent: string | null;
  browser: string | null;
  os: string | null;
  device: string | null;
  /** JSON array of RFC 8176 methods. */
  amr: string;
  auth_time: number;
  revoked_at: number | null;
  revoked_reason: string | null;
}

export interface RefreshTokensTable {
  id: string;
  token_hash: string;
  /** The session is the token family: every rotation stays in it. */
  session_id: string;
  account_id: string;
  created_at: number;
  expires_at: number;
  /** When it was spent by a rotation; presenting it again is reuse. */
  used_at: number | null;
  replaced_by: string | null;
}

export interface MfaTotpTable {
  account_id: string;
  secret_sealed: string;
  created_at: number;
  /** Null while enrolment is pending. */
  enabled_at: number | null;
  /** The last accepted RFC 6238 time step: a code is accepted once. */
  last_used_step: number | null;
}

export interface MfaRecoveryCodesTable {
  id: string;
  account_id: string;
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

export interface PasswordResetTokensTable {
  id: string;
  token_hash: string;
  account_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface ServiceAccountsTable {
  id: string;
  name: string;
  description: string | null;
  /** JSON array of role names. */
  roles: string;
  created_by: string | null;
  created_at: number;
  disabled_at: number | null;
}

export interface ApiKeysTable {
  id: string;
  owner_kind: 'user' | 'service_account';
  owner_id: string;
  name: string;
  /** SHA-256 of the whole key string; the key itself is never stored. */
  key_hash: string;
  /** The HMAC secret for signed requests, sealed with the master key; null when the key has none. */
  signing_secret_sealed: string | null;
  /** The first characters of the key, for people to recognise it in a list. */
  display_prefix: string;
  /** JSON array of permission strings. */
  scopes: string;
  /** JSON array of CIDRs the key may be used from; empty means anywhere. */
  allowed_cidrs: string;
  created_by: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  revoked_reason: string | null;
  /** Set on rotation: the key that replaced this one. */
  replaced_by: string | null;
  /** Set on rotation: this key keeps working until then. */
  grace_until: number | null;
  last_used_at: number | null;
  last_used_ip: string | null;
  expiry_notified_at: number | null;
}

export interface IpRulesTable {
  id: string;
  action: 'allow' | 'deny' | 'ban';
  cidr: string;
  reason: string | null;
  created_by: string | null;
  created_at: number;
  expires_at: number | null;
  lifted_at: number | null;
}

export interface RateLimitRulesTable {
  id: string;
  name: string;
  method: string;
  url: string;
  limit: number;
  window: number;
  /** JSON array of key parts. */
  key: string;
  created_by: string | null;
  created_at: number;
}

export interface OAuthProvidersTable {
  id: string;
  type: 'github' | 'gitlab' | 'google' | 'oidc';
  name: string | null;
  client_id: string;
  client_secret_sealed: string;
  /** JSON array, or null for the type's defaults. */
  scopes: string | null;
  issuer: string | null;
  base_url: string | null;
  api_url: string | null;
  callback_url: string | null;
  /** 0 or 1. */
  enabled: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface OAuthIdentitiesTable {
  id: string;
  account_id: string;
  provider_id: string;
  subject: string;
  email: string | null;
  /** 0 or 1. */
  email_verified: number;
  created_at: number;
  last_login_at: number | null;
}

export interface DataKeysTable {
  id: string;
  key_sealed: string;
  status: 'primary' | 'active' | 'retired';
  created_at: number;
  retired_at: number | null;
}

export interface DataKeyRotationsTable {
  id: string;
  key_id: string;
  status: 'running' | 'done';
  progress: string;
  total: number;
  done_count: number;
  started_by: string | null;
  started_at: number;
  heartbeat_at: number;
  finished_at: number | null;
  retired_keys: string | null;
}

export interface MasterKeyRotationsTable {
  id: string;
  to_key_id: string;
  /** JSON array of master key fingerprints. */
  from_key_ids: string;
  status: 'running' | 'done';
  total: number;
  done_count: number;
  started_by: string | null;
  started_at: number;
  heartbeat_at: number;
  finished_at: number | null;
}

export interface ConsentRecordsTable {
  id: string;
  account_id: string;
  purpose: string;
  granted: number;
  time: number;
  ip: string | null;
  user_agent: string | null;
}

export interface Database {
  accounts: AccountsTable;
  account_roles: AccountRolesTable;
  signing_keys: SigningKeysTable;
  invites: InvitesTable;
  bootstrap_tokens: BootstrapTokensTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  mfa_totp: MfaTotpTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  password_reset_tokens: PasswordResetTokensTable;
  service_accounts: ServiceAccountsTable;
  api_keys: ApiKeysTable;
  ip_rules: IpRulesTable;
  rate_limit_rules: RateLimitRulesTable;
  oauth_providers: OAuthProvidersTable;
  oauth_identities: OAuthIdentitiesTable;
  data_keys: DataKeysTable;
  data_key_rotations: DataKeyRotationsTable;
  master_key_rotations: MasterKeyRotationsTable;
  consent_records: ConsentRecordsTable;
}
