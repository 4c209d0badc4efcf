import { type Static, Type } from 'typebox';
import { RoleSchema } from '../config/schema.js';

// Request schemas reject unknown fields; response schemas are the allowlist of fields
// that may leave the server (fast-json-stringify drops everything else).

const Role = RoleSchema;
// RFC 5321 length; and a dot in the domain: a dotless domain (`a@b`) is valid syntax
// but never a deliverable address for a person registering.
const Email = Type.String({
  format: 'email',
  pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
  minLength: 3,
  maxLength: 254,
});
// The policy (12..128 by default) is enforced with its own error codes; the schema only
// bounds the input so an oversize body cannot reach the hasher.
const Password = Type.String({ minLength: 1, maxLength: 4096 });
const Timestamp = Type.String({ format: 'date-time' });

export const AccountSchema = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    roles: Type.Array(Role),
    status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { additionalProperties: false },
);

export const RegisterBody = Type.Object(
  {
    email: Email,
    password: Password,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    invite_token: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  { email: Email, password: Password },
  { additionalProperties: false },
);

export const BootstrapBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200 }),
    email: Email,
    password: Password,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

/** RFC 6749 §5.1 field names, plus the session the tokens belong to. */
/** A provider identity linked to an account (social login). */
export const LinkedIdentitySchema = Type.Object(
  {
    id: Type.String(),
    provider: Type.String(),
    subject: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    email_verified: Type.Boolean(),
    created_at: Timestamp,
    last_login_at: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);
export type LinkedIdentityJson = Static<typeof LinkedIdentitySchema>;

/** GET /v1/me: the account and the provider identities linked to it. */
export const MeSchema = Type.Object(
  { ...AccountSchema.properties, identities: Type.Optional(Type.Array(LinkedIdentitySchema)) },
  { additionalProperties: false },
);

export const TokenResponse = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer(),
    refresh_token: Type.String({
      description: 'Opaque, single-use: each refresh returns the next one.',
    }),
    session_id: Type.String(),
  },
  { additionalProperties: false },
);

const OpaqueToken = Type.String({ minLength: 16, maxLength: 256 });

export const RefreshBody = Type.Object(
  { refresh_token: OpaqueToken },
  { additionalProperties: false },
);

export const MfaLoginBody = Type.Object(
  {
    mfa_token: OpaqueToken,
    code: Type.Optional(Type.String({ pattern: '^[0-9]{6,8}$', description: 'A TOTP code.' })),
    recovery_code: Type.Optional(
      Type.String({ minLength: 8, maxLength: 64, description: 'A single-use recovery code.' }),
    ),
  },
  { additionalProperties: false },
);

const TotpCode = Type.String({ pattern: '^[0-9]{6,8}$', description: 'A TOTP code.' });

export const TotpSetupResponse = Type.Object(
  {
    secret: Type.String({ description: 'The TOTP secret in base32, to type into an app.' }),
    otpauthUrl: Type.String({ description: 'otpauth://totp/… (Key Uri Format).' }),
    qrCode: Type.String({ description: 'The otpauth URL as a QR code: an SVG data URL.' }),
  },
  { additionalProperties: false },
);

export const TotpCodeBody = Type.Object({ code: TotpCode }, { additionalProperties: false });

export const DisableTotpBody = Type.Object(
  { password: Password, code: TotpCode },
  { additionalProperties: false },
);

const RecoveryCodes = Type.Array(Type.String(), {
  description: 'Single-use recovery codes, shown only in this answer.',
});

export const RecoveryCodesResponse = Type.Object(
  { recoveryCodes: RecoveryCodes },
  { additionalProperties: false },
);

export const MfaStatusResponse = Type.Object(
  {
    totp: Type.Object(
      { enabled: Type.Boolean(), enabledAt: Type.Union([Timestamp, Type.Null()]) },
      { additionalProperties: false },
    ),
    recoveryCodesRemaining: Type.Integer(),
  },
  { additionalProperties: false },
);

export const MfaTokenBody = Type.Object(
  { mfa_token: OpaqueToken },
  { additionalProperties: false },
);

export const MfaEnrollActivateBody = Type.Object(
  { mfa_token: OpaqueToken, code: TotpCode },
  { additionalProperties: false },
);

export const MfaEnrollActivateResponse = Type.Object(
  { ...TokenResponse.properties, recoveryCodes: RecoveryCodes },
  { additionalProperties: false },
);

export const SessionSchema = Type.Object(
  {
    id: Type.String(),
    created_at: Timestamp,
    last_seen_at: Timestamp,
    expires_at: Timestamp,
    ip: Type.Union([Type.String(), Type.Null()]),
    user_agent: Type.Union([Type.String(), Type.Null()]),
    browser: Type.Union([Type.String(), Type.Null()]),
    os: Type.Union([Type.String(), Type.Null()]),
    device: Type.Union([Type.String(), Type.Null()]),
    amr: Type.Array(Type.String()),
    mfa: Type.Boolean(),
    auth_time: Timestamp,
    current: Type.Boolean({ description: 'The session of the token making this request.' }),
  },
  { additionalProperties: false },
);

export const SessionList = Type.Object(
  { items: Type.Array(SessionSchema) },
  { additionalProperties: false },
);
export const SessionIdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export const AccountSessionParams = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    sessionId: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);
export const RevokedCount = Type.Object(
  { revoked: Type.Integer() },
  { additionalProperties: false },
);

export const InviteSchema = Type.Object(
  {
    id: Type.String(),
    email: Type.Union([Type.String(), Type.Null()]),
    roles: Type.Array(Role),
    created_by: Type.Union([Type.String(), Type.Null()]),
    created_at: Timestamp,
    expires_at: Timestamp,
    used_at: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);

export const CreateInviteBody = Type.Object(
  {
    email: Type.Optional(Email),
    // Optional, not required-with-default: the TypeBox validator compiler applies no
    // defaults, so the route fills them in; `default` documents them in the OpenAPI.
    roles: Type.Array(Role, { default: [], maxItems: 3, uniqueItems: true }),
  },
  { additionalProperties: false },
);

export const CreatedInvite = Type.Object(
  {
    invite: InviteSchema,
    token: Type.String({ description: 'Shown once; give it to the invitee.' }),
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const ListInvitesQuery = Type.Object(
  { include_used: Type.Boolean({ default: false }) },
  { additionalProperties: false },
);

export const RotationResponse = Type.Object(
  {
    kid: Type.String(),
    algorithm: Type.String(),
    retired_kids: Type.Array(Type.String()),
    retired_verify_until: Timestamp,
  },
  { additionalProperties: false },
);

export const PasswordChangeBody = Type.Object(
  { current_password: Password, new_password: Password },
  { additionalProperties: false },
);

export const PasswordChanged = Type.Object(
  {
    ended_sessions: Type.Integer({
      description: 'How many other sessions were signed out; this one stays.',
    }),
  },
  { additionalProperties: false },
);

export const PasswordResetRequestBody = Type.Object(
  { email: Email },
  { additionalProperties: false },
);

export const PasswordResetAccepted = Type.Object(
  { status: Type.Literal('accepted'), message: Type.String() },
  { additionalProperties: false },
);

export const PasswordResetBody = Type.Object(
  {
    token: Type.String({ minLength: 16, maxLength: 256, description: 'From the emailed link.' }),
    new_password: Password,
  },
  { additionalProperties: false },
);

export const PasswordResetDone = Type.Object(
  {
    ended_sessions: Type.Integer({ description: 'How many sessions were signed out.' }),
  },
  { additionalProperties: false },
);
