import { Type } from 'typebox';
import { LinkedIdentitySchema } from '../schemas.js';

// Response schemas are the allowlist of fields that leave the server: a provider's
// client secret is in none of them.

const ProviderType = Type.Union([
  Type.Literal('github'),
  Type.Literal('gitlab'),
  Type.Literal('google'),
  Type.Literal('oidc'),
]);
const ProviderId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$' });
const HttpUrl = Type.String({ pattern: '^https?://', maxLength: 2048 });
const Scope = Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$', maxLength: 256 });
// Checked by the route (oauth_return_invalid): a path on this origin only.
export const ReturnPath = Type.String({
  maxLength: 2048,
  description: 'A path on this origin (/ui/…).',
});

export const ProviderParams = Type.Object(
  { provider: ProviderId },
  { additionalProperties: false },
);
export const IdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const StartQuery = Type.Object(
  {
    mode: Type.Union([Type.Literal('cookie'), Type.Literal('code')], {
      default: 'cookie',
      description:
        'cookie: the dashboard session cookies; code: a one-time code for POST /v1/auth/oauth/exchange.',
    }),
    return: Type.Optional(ReturnPath),
  },
  { additionalProperties: false },
);

// Providers add their own parameters (session_state, scope, authuser…): accepted, unused.
export const CallbackQuery = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 4096 })),
    state: Type.Optional(Type.String({ maxLength: 512 })),
    iss: Type.Optional(Type.String({ maxLength: 2048 })),
    error: Type.Optional(Type.String({ maxLength: 256 })),
    error_description: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { additionalProperties: true },
);

export const ExchangeBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);

export const LinkBody = Type.Object(
  { return: Type.Optional(ReturnPath) },
  { additionalProperties: false },
);
export const LinkStarted = Type.Object(
  { authorization_url: Type.String() },
  { additionalProperties: false },
);

export const PublicProvider = Type.Object(
  { id: Type.String(), type: ProviderType, name: Type.String(), start_url: Type.String() },
  { additionalProperties: false },
);
export const PublicProviderList = Type.Object(
  { providers: Type.Array(PublicProvider) },
  { additionalProperties: false },
);

export const IdentityList = Type.Object(
  { identities: Type.Array(LinkedIdentitySchema) },
  { additionalProperties: false },
);

const providerFields = {
  type: ProviderType,
  name: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
  client_id: Type.String({ minLength: 1, maxLength: 512 }),
  scopes: Type.Optional(Type.Union([Type.Array(Scope, { maxItems: 32 }), Type.Null()])),
  issuer: Type.Optional(Type.Union([HttpUrl, Type.Null()])),
  base_url: Type.Optional(Type.Union([HttpUrl, Type.Null()])),
  api_url: Type.Optional(Type.Union([HttpUrl, Type.Null()])),
  callback_url: Type.Optional(Type.Union([HttpUrl, Type.Null()])),
  enabled: Type.Optional(Type.Boolean()),
};
const Secret = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'Stored sealed; never returned.',
});

export const CreateProviderBody = Type.Object(
  { id: ProviderId, ...providerFields, client_secret: Secret },
  { additionalProperties: false },
);
export const UpdateProviderBody = Type.Object(
  { ...providerFields, client_secret: Type.Optional(Secret) },
  {
    additionalProperties: false,
    description: 'Replaces the settings; without client_secret the stored one is kept.',
  },
);

export const ProviderSchema = Type.Object(
  {
    id: Type.String(),
    type: ProviderType,
    name: Type.String(),
    client_id: Type.String(),
    scopes: Type.Array(Type.String()),
    issuer: Type.Union([Type.String(), Type.Null()]),
    callback_url: Type.String(),
    enabled: Type.Boolean(),
    source: Type.Union([Type.Literal('config'), Type.Literal('api')]),
  },
  { additionalProperties: false },
);
export const ProviderList = Type.Object(
  { providers: Type.Array(ProviderSchema) },
  { additionalProperties: false },
);
