import { Type } from 'typebox';

/**
 * The `oauth` section of the config schema: social login providers and their flow.
 */

const OAuthProviderSchema = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9-]{0,39}$',
        description: 'Name in the URLs (/v1/auth/oauth/<id>/start); default the type.',
      }),
    ),
    type: Type.Union(
      [
        Type.Literal('github'),
        Type.Literal('gitlab'),
        Type.Literal('google'),
        Type.Literal('oidc'),
      ],
      { description: 'github (OAuth 2.0 and its user API), gitlab, google or any oidc issuer.' },
    ),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Display name.' })),
    clientId: Type.String({ minLength: 1, maxLength: 512 }),
    clientSecret: Type.String({ minLength: 1, maxLength: 2048 }),
    scopes: Type.Optional(
      Type.Array(Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' }), {
        maxItems: 32,
        description:
          'Scopes to request; default per type (openid email profile; read:user user:email).',
      }),
    ),
    issuer: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description: 'oidc: the issuer, discovered through /.well-known/openid-configuration.',
      }),
    ),
    baseUrl: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description:
          'gitlab: a self-hosted instance (default https://gitlab.com); github: GitHub Enterprise (default https://github.com).',
      }),
    ),
    apiUrl: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description:
          'github: the REST API base (default https://api.github.com, or <baseUrl>/api/v3).',
      }),
    ),
    callbackUrl: Type.Optional(
      Type.String({
        pattern: '^https?://',
        description:
          'Redirect URI registered at the provider; default <publicUrl>/v1/auth/oauth/<id>/callback.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const OAuthConfigSchema = Type.Object(
  {
    providers: Type.Array(OAuthProviderSchema, {
      default: [],
      description:
        'Social login providers (config file only): {id?, type: github|gitlab|google|oidc, clientId, clientSecret, scopes?, issuer? (oidc), baseUrl?, apiUrl?, callbackUrl?}. More can be added through /v1/admin/oauth/providers.',
    }),
    allowSignup: Type.Boolean({
      default: true,
      description:
        'Create an account at the first social login of an unknown verified email (when registration.mode is open).',
    }),
    stateTtl: Type.Integer({
      default: 600,
      minimum: 60,
      maximum: 3600,
      description:
        'Seconds a started social login may take to come back (state, PKCE verifier, nonce).',
    }),
    codeTtl: Type.Integer({
      default: 60,
      minimum: 10,
      maximum: 600,
      description:
        'Seconds the one-time code of mode=code stays valid for POST /v1/auth/oauth/exchange.',
    }),
    returnPath: Type.String({
      default: '/ui/',
      pattern: '^/(?![/\\\\])',
      description:
        'Where a browser goes after a social login without ?return= (a path on this origin).',
    }),
  },
  { default: {}, additionalProperties: false },
);
