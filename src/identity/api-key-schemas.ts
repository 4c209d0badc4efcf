import { type Static, Type } from 'typebox';
import type { ApiKeyRecord } from './api-key-store.js';
import type { IssuedApiKey } from './core/api-key-issuer.js';
import { apiKeyStatus } from './core/api-key-verification.js';
import { permissionPattern } from './core/permissions.js';

/**
 * Request and response schemas of the API key API (/v1/api-keys), and a key's HTTP
 * representation: never the key itself, except once in the answer that issued it.
 *
 * @example
 * const json = apiKeyJson(record, Date.now()); // { id, name, prefix, owner, status, ... }
 */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const Scope = Type.String({ pattern: permissionPattern, maxLength: 81 });
const Cidr = Type.String({ minLength: 2, maxLength: 49 });

export const ApiKeySchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    prefix: Type.String({ description: 'The first characters of the key, to recognise it.' }),
    owner: Type.Object({
      kind: Type.Union([Type.Literal('user'), Type.Literal('service_account')]),
      id: Type.String(),
    }),
    scopes: Type.Array(Type.String()),
    allowedCidrs: Type.Array(Type.String()),
    status: Type.Union([
      Type.Literal('active'),
      Type.Literal('grace'),
      Type.Literal('expired'),
      Type.Literal('revoked'),
    ]),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: NullableTime,
    revokedAt: NullableTime,
    replacedBy: Type.Union([Type.String(), Type.Null()]),
    graceUntil: NullableTime,
    lastUsedAt: NullableTime,
    lastUsedIp: Type.Union([Type.String(), Type.Null()]),
    signing: Type.Boolean({ description: 'True when the key has a secret for signed requests.' }),
  },
  { additionalProperties: false },
);

export const KeyLookupSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    active: Type.Boolean({ description: 'True while the key authenticates (active or in grace).' }),
    status: ApiKeySchema.properties.status,
    owner: ApiKeySchema.properties.owner,
  },
  { additionalProperties: false },
);

export const IssuedApiKeySchema = Type.Object(
  {
    ...ApiKeySchema.properties,
    key: Type.String({ description: 'The key itself. Shown once: store it now.' }),
    signingSecret: Type.Optional(
      Type.String({
        description: 'The HMAC secret for signed requests (when signing was asked). Shown once.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(Scope, { minItems: 1, maxItems: 50, uniqueItems: true }),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
    allowedCidrs: Type.Optional(Type.Array(Cidr, { maxItems: 50, uniqueItems: true })),
    signing: Type.Optional(
      Type.Boolean({
        description: 'Also issue a secret for signed requests (X-Signature), against replay.',
      }),
    ),
    serviceAccountId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Issue the key to this service account (administrators only).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const RotateBody = Type.Object(
  {
    gracePeriod: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2_592_000,
        description: 'Seconds the old key keeps working; default apiKeys.rotationGrace.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ListQuery = Type.Object(
  {
    serviceAccountId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    includeRevoked: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

export function apiKeyJson(k: ApiKeyRecord, now: number): Static<typeof ApiKeySchema> {
  return {
    id: k.id,
    name: k.name,
    prefix: k.displayPrefix,
    owner: { kind: k.ownerKind, id: k.ownerId },
    scopes: k.scopes,
    allowedCidrs: k.allowedCidrs,
    status: apiKeyStatus(k, now),
    createdAt: new Date(k.createdAt).toISOString(),
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
    replacedBy: k.replacedBy,
    graceUntil: iso(k.graceUntil),
    lastUsedAt: iso(k.lastUsedAt),
    lastUsedIp: k.lastUsedIp,
    signing: k.signingSecretSealed !== null,
  };
}

/** A key just issued: its record, and the secrets shown this once. */
export function issuedJson(issued: IssuedApiKey) {
  return {
    ...apiKeyJson(issued.record, Date.now()),
    key: issued.key,
    ...(issued.signingSecret ? { signingSecret: issued.signingSecret } : {}),
  };
}
