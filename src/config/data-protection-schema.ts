import { Type } from 'typebox';

/**
 * The `secretScan` and `dataProtection` sections of the config schema.
 */

export const SecretScanConfigSchema = Type.Object(
  {
    routes: Type.Array(Type.String({ pattern: '^(\\*|[A-Za-z]+) /\\S*$', maxLength: 520 }), {
      default: [],
      description:
        'Request bodies to scan for secrets at run time, as "METHOD /route" (a route pattern, or a prefix ending in *; method * for any), e.g. "POST /v1/tickets". A secret found emits secret.detected (rule and redacted evidence); the request proceeds.',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const DataProtectionConfigSchema = Type.Object(
  {
    classification: Type.Array(
      Type.Object(
        {
          path: Type.String({
            pattern: '^(\\*\\*|\\*|[A-Za-z0-9_-]+)(\\.(\\*\\*|\\*|[A-Za-z0-9_-]+))*$',
            maxLength: 200,
            description:
              'Field path: dot-separated names, `*` for one level, `**` for any depth (`**.email`, `details.*.card`). Names match ignoring case, `_` and `-`.',
          }),
          sensitivity: Type.Union(
            [
              Type.Literal('PUBLIC'),
              Type.Literal('INTERNAL'),
              Type.Literal('CONFIDENTIAL'),
              Type.Literal('RESTRICTED'),
              Type.Literal('SECRET'),
            ],
            { description: 'How sensitive the field is.' },
          ),
          handling: Type.Union(
            [
              Type.Literal('none'),
              Type.Literal('mask_domain'),
              Type.Literal('mask_partial'),
              Type.Literal('hash'),
              Type.Literal('redact'),
            ],
            { description: 'What logs, audit details and exports show of it.' },
          ),
          retentionDays: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: 36_500,
              description: 'Keep at most this long.',
            }),
          ),
          encrypt: Type.Optional(
            Type.Boolean({ description: 'Must be stored encrypted by the data key ring.' }),
          ),
        },
        { additionalProperties: false },
      ),
      {
        default: [],
        maxItems: 500,
        description:
          'Classification rules checked before the built-in ones (passwords, tokens, secrets, cookies and authorization headers redacted; emails masked to a***@domain).',
      },
    ),
    consentPurposes: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,63}$' }), {
      default: ['marketing', 'analytics', 'product_updates'],
      maxItems: 100,
      description:
        'The purposes an account may grant or withdraw consent for (PUT /v1/me/consents).',
    }),
    reauthMaxAge: Type.Integer({
      default: 300,
      minimum: 0,
      maximum: 86_400,
      description:
        'Seconds since login within which DELETE /v1/me is allowed without the password; 0 always requires the password.',
    }),
  },
  { default: {}, additionalProperties: false },
);
