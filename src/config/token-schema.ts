import { Type } from 'typebox';

/**
 * The `jwt`, `session` and `apiKeys` sections of the config schema: the credentials a
 * caller presents after signing in.
 */

export const JwtConfigSchema = Type.Object(
  {
    algorithm: Type.Union(
      [Type.Literal('EdDSA'), Type.Literal('ES256'), Type.Literal('RS256'), Type.Literal('HS256')],
      {
        default: 'EdDSA',
        description:
          'Access token signature algorithm. HS256 keys are never published, so only Rampart can verify.',
      },
    ),
    accessTokenTtl: Type.Integer({
      default: 900,
      minimum: 60,
      maximum: 86_400,
      description: 'Access token lifetime in seconds.',
    }),
    issuer: Type.Optional(
      Type.String({ minLength: 1, description: 'The `iss` claim; default the public URL.' }),
    ),
    audience: Type.Optional(
      Type.String({ minLength: 1, description: 'The `aud` claim; default the public URL.' }),
    ),
    clockTolerance: Type.Integer({
      default: 30,
      minimum: 0,
      maximum: 60,
      description: 'Seconds of clock skew accepted on exp/nbf.',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const SessionConfigSchema = Type.Object(
  {
    absoluteLifetime: Type.Integer({
      default: 2_592_000,
      minimum: 300,
      maximum: 31_536_000,
      description: 'Seconds a session lives at most, whatever its activity (default 30 days).',
    }),
    idleTimeout: Type.Integer({
      default: 604_800,
      minimum: 300,
      maximum: 31_536_000,
      description: 'Seconds without a refresh after which a session ends (default 7 days).',
    }),
    refreshReuseGrace: Type.Integer({
      default: 0,
      minimum: 0,
      maximum: 60,
      description:
        'Seconds during which the immediately previous refresh token is still accepted (lost responses); 0 means never.',
    }),
    denyOnFingerprintChange: Type.Boolean({
      default: false,
      description:
        'Refuse a refresh from another user-agent family or IP network (always reported as session.fingerprint.changed).',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const ApiKeysConfigSchema = Type.Object(
  {
    rotationGrace: Type.Integer({
      default: 86_400,
      minimum: 0,
      maximum: 2_592_000,
      description:
        'Seconds a rotated API key keeps working beside its replacement (0: it dies at once).',
    }),
    expiryNotice: Type.Integer({
      default: 1_209_600,
      minimum: 3600,
      maximum: 31_536_000,
      description: 'Seconds before an API key expires when apikey.expiring is emitted.',
    }),
    cacheTtl: Type.Integer({
      default: 30,
      minimum: 1,
      maximum: 600,
      description:
        'Seconds a node may serve a verified key from memory; revocation is still seen at once through the hot store.',
    }),
    maxPerOwner: Type.Integer({
      default: 100,
      minimum: 1,
      maximum: 10_000,
      description: 'Live API keys one user or service account may hold.',
    }),
    signatureMaxSkew: Type.Integer({
      default: 300,
      minimum: 5,
      maximum: 3600,
      description:
        'Seconds a signed request (X-Timestamp) may be away from the server clock; nonces are remembered for twice as long.',
    }),
  },
  { default: {}, additionalProperties: false },
);
