import { Type } from 'typebox';
import { RoleSchema } from './role-schema.js';

/**
 * The account sections of the config schema: `registration`, `password`, `lockout`, `mfa`,
 * `mail`, `passwordReset` and `bootstrap`.
 */

export const RegistrationConfigSchema = Type.Object(
  {
    mode: Type.Optional(
      Type.Union([Type.Literal('open'), Type.Literal('invite'), Type.Literal('closed')], {
        description:
          'Self-service registration: open, invite (an invitation token is required) or closed. Default open in development, closed otherwise.',
      }),
    ),
    defaultRoles: Type.Array(RoleSchema, {
      default: [],
      description: 'Roles given to self-registered accounts.',
    }),
    inviteTtl: Type.Integer({
      default: 604_800,
      minimum: 60,
      maximum: 2_592_000,
      description: 'Seconds an invitation stays valid.',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const PasswordConfigSchema = Type.Object(
  {
    minLength: Type.Integer({
      default: 12,
      minimum: 8,
      maximum: 64,
      description: 'Minimum length in Unicode code points.',
    }),
    maxLength: Type.Integer({
      default: 128,
      minimum: 64,
      maximum: 1024,
      description: 'Maximum length in Unicode code points (never truncated).',
    }),
    argon2: Type.Object(
      {
        // OWASP Password Storage Cheat Sheet: argon2id with m=19 MiB, t=2, p=1 at least.
        memoryCost: Type.Integer({
          default: 19_456,
          minimum: 19_456,
          maximum: 4_194_304,
          description: 'argon2id memory in KiB.',
        }),
        timeCost: Type.Integer({
          default: 2,
          minimum: 2,
          maximum: 100,
          description: 'argon2id iterations.',
        }),
        parallelism: Type.Integer({
          default: 1,
          minimum: 1,
          maximum: 16,
          description: 'argon2id lanes.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);

export const LockoutConfigSchema = Type.Object(
  {
    maxFailures: Type.Integer({
      default: 5,
      minimum: 1,
      maximum: 100,
      description: 'Failed password or MFA attempts per account within the window before it locks.',
    }),
    window: Type.Integer({
      default: 900,
      minimum: 60,
      maximum: 86_400,
      description: 'Seconds over which failures are counted.',
    }),
    duration: Type.Integer({
      default: 900,
      minimum: 60,
      maximum: 86_400,
      description: 'Seconds of the first lockout; each repeat within a day doubles it.',
    }),
    maxDuration: Type.Integer({
      default: 86_400,
      minimum: 60,
      maximum: 2_592_000,
      description: 'Longest lockout, however many repeats.',
    }),
    ipMaxFailures: Type.Integer({
      default: 50,
      minimum: 1,
      maximum: 100_000,
      description:
        'Failed attempts per client IP (IPv6 per /64) within the window before the IP is throttled.',
    }),
    adminLockDuration: Type.Integer({
      default: 31_536_000,
      minimum: 60,
      maximum: 315_360_000,
      description:
        "Seconds an administrator's lock (POST /v1/admin/accounts/:id/lock) lasts when the request names no duration; it ends earlier by unlock. Durable: the account is disabled in the database, so a restart does not lift it.",
    }),
  },
  { default: {}, additionalProperties: false },
);

export const MfaConfigSchema = Type.Object(
  {
    issuer: Type.String({
      default: 'Rampart',
      minLength: 1,
      maxLength: 64,
      description: 'Issuer shown by authenticator apps.',
    }),
    requiredRoles: Type.Array(RoleSchema, {
      default: [],
      description: 'Roles whose holders must use MFA; they enrol before getting a session.',
    }),
    challengeTtl: Type.Integer({
      default: 300,
      minimum: 30,
      maximum: 1800,
      description: 'Seconds an mfa_token from the password step stays valid.',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const MailConfigSchema = Type.Object(
  {
    transport: Type.Union([Type.Literal('smtp'), Type.Literal('log'), Type.Literal('none')], {
      default: 'log',
      description:
        'smtp sends through smtpUrl; log writes messages to the log (development); none drops them.',
    }),
    smtpUrl: Type.Optional(
      Type.String({
        pattern: '^smtps?://',
        description: 'smtp://user:pass@host:587 or smtps://… (nodemailer URL).',
      }),
    ),
    from: Type.String({
      default: 'Rampart <no-reply@localhost>',
      minLength: 3,
      description: 'Sender of every message.',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const PasswordResetConfigSchema = Type.Object(
  {
    tokenTtl: Type.Integer({
      default: 900,
      minimum: 60,
      maximum: 86_400,
      description: 'Seconds a reset link stays valid.',
    }),
    url: Type.Optional(
      Type.String({
        pattern: '^https?://.*\\{token\\}',
        description:
          'Link sent by email; {token} is replaced. Default <publicUrl>/ui/reset-password#token={token} (a fragment never reaches server logs).',
      }),
    ),
    requestWindow: Type.Integer({
      default: 3600,
      minimum: 60,
      maximum: 86_400,
      description: 'Seconds over which reset requests are counted per email and per network.',
    }),
    maxRequestsPerEmail: Type.Integer({
      default: 5,
      minimum: 1,
      maximum: 1000,
      description:
        'Reset requests per email (registered or not) within the window; more are refused with 429.',
    }),
    maxRequestsPerIp: Type.Integer({
      default: 20,
      minimum: 1,
      maximum: 100_000,
      description:
        'Reset requests per client IP (IPv6 per /64) within the window; more are refused with 429.',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const BootstrapConfigSchema = Type.Object(
  {
    tokenTtl: Type.Integer({
      default: 3600,
      minimum: 60,
      maximum: 86_400,
      description: 'Seconds the development bootstrap token stays valid.',
    }),
  },
  { default: {}, additionalProperties: false },
);
