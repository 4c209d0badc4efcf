import { type Static, Type } from 'typebox';
import {
  BootstrapConfigSchema,
  LockoutConfigSchema,
  MailConfigSchema,
  MfaConfigSchema,
  PasswordConfigSchema,
  PasswordResetConfigSchema,
  RegistrationConfigSchema,
} from './account-schema.js';
import { AuditConfigSchema } from './audit-schema.js';
import { AuthzConfigSchema } from './authz-schema.js';
import { DataProtectionConfigSchema, SecretScanConfigSchema } from './data-protection-schema.js';
import { GatewayConfigSchema } from './gateway-schema.js';
import { HealthConfigSchema } from './health-schema.js';
import {
  CorsConfigSchema,
  DashboardConfigSchema,
  DocsConfigSchema,
  HttpConfigSchema,
} from './http-schema.js';
import { AlertsConfigSchema, LogConfigSchema, MetricsConfigSchema } from './monitor-schema.js';
import { OAuthConfigSchema } from './oauth-schema.js';
import {
  IdempotencyConfigSchema,
  NetworkConfigSchema,
  RateLimitConfigSchema,
} from './protect-schema.js';
import { DetectorsConfigSchema, ResponsesConfigSchema } from './response-schema.js';
import { ApiKeysConfigSchema, JwtConfigSchema, SessionConfigSchema } from './token-schema.js';

export { ApprovalPolicySchema, stepUpDefaultRoutes } from './authz-schema.js';
export { type RoleName, RoleSchema, roleNames } from './role-schema.js';

/**
 * The one schema for all of Rampart's configuration. Every key can come from the config
 * file (same nesting) or from an environment variable whose name is derived from its
 * path: `jwt.accessTokenTtl` → `RAMPART_JWT_ACCESS_TOKEN_TTL` (see env-source.ts).
 * Durations are whole seconds; sizes are bytes. Each section is declared in its
 * <topic>-schema.ts; the order of the keys below is the order of the reference docs
 * (docs/configuration.md) and of validation problems, so keep it when adding one.
 */
export const ConfigSchema = Type.Object(
  {
    env: Type.Union(
      [Type.Literal('development'), Type.Literal('staging'), Type.Literal('production')],
      {
        default: 'development',
        description: 'Deployment environment; production enforces safe settings.',
      },
    ),
    host: Type.String({
      default: '127.0.0.1',
      minLength: 1,
      description: 'Interface to listen on.',
    }),
    port: Type.Integer({
      default: 8080,
      minimum: 0,
      maximum: 65535,
      description: 'TCP port (0 picks a free one).',
    }),
    publicUrl: Type.Optional(
      Type.String({
        format: 'uri',
        pattern: '^https?://',
        description:
          'The URL clients use to reach Rampart; the JWT issuer. Default http://localhost:<port>.',
      }),
    ),
    dataDir: Type.String({
      default: './data',
      minLength: 1,
      description: 'Directory for the SQLite file and the development master key.',
    }),
    databaseUrl: Type.Optional(
      Type.String({
        pattern: '^(postgres://|postgresql://|sqlite:)',
        description:
          'postgres://… for PostgreSQL; sqlite:<path> or sqlite::memory: for SQLite. Default: SQLite at <dataDir>/rampart.db.',
      }),
    ),
    allowSqliteInProduction: Type.Boolean({
      default: false,
      description: 'Explicit opt-in to run production on one SQLite file.',
    }),
    redisUrl: Type.Optional(
      Type.String({
        pattern: '^rediss?://',
        description: 'redis:// or rediss:// for shared hot state; default in-memory.',
      }),
    ),
    redisKeyPrefix: Type.String({
      default: 'rampart:',
      description: 'Prefix of every Redis key and channel.',
    }),
    masterKey: Type.Optional(
      Type.String({
        description:
          'At least 32 random bytes, base64 or hex. Seals signing keys and secrets at rest.',
      }),
    ),
    masterKeyPrevious: Type.Array(Type.String(), {
      default: [],
      description:
        'Previous master keys (comma-separated in the environment), only while a master key rotation is in progress: data keys sealed by one of them still open. Drop them once `rampart keys master-status` says so.',
    }),
    cors: CorsConfigSchema,
    idempotency: IdempotencyConfigSchema,
    network: NetworkConfigSchema,
    log: LogConfigSchema,
    http: HttpConfigSchema,
    docs: DocsConfigSchema,
    registration: RegistrationConfigSchema,
    password: PasswordConfigSchema,
    jwt: JwtConfigSchema,
    session: SessionConfigSchema,
    apiKeys: ApiKeysConfigSchema,
    lockout: LockoutConfigSchema,
    mfa: MfaConfigSchema,
    oauth: OAuthConfigSchema,
    mail: MailConfigSchema,
    passwordReset: PasswordResetConfigSchema,
    rateLimit: RateLimitConfigSchema,
    bootstrap: BootstrapConfigSchema,
    gateway: GatewayConfigSchema,
    audit: AuditConfigSchema,
    secretScan: SecretScanConfigSchema,
    dataProtection: DataProtectionConfigSchema,
    health: HealthConfigSchema,
    authz: AuthzConfigSchema,
    metrics: MetricsConfigSchema,
    dashboard: DashboardConfigSchema,
    detectors: DetectorsConfigSchema,
    responses: ResponsesConfigSchema,
    alerts: AlertsConfigSchema,
  },
  { additionalProperties: false },
);

export type RawConfig = Static<typeof ConfigSchema>;

/** The effective configuration after defaults are resolved; frozen at boot. */
export interface RampartConfig
  extends Omit<RawConfig, 'publicUrl' | 'databaseUrl' | 'registration' | 'jwt'> {
  publicUrl: string;
  databaseUrl: string;
  registration: Omit<RawConfig['registration'], 'mode'> & { mode: 'open' | 'invite' | 'closed' };
  jwt: Omit<RawConfig['jwt'], 'issuer' | 'audience'> & { issuer: string; audience: string };
}
