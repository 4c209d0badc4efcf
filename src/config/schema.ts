import { type Static, Type } from 'typebox';
import { AlertChannelSchema, AlertRuleSchema } from '../monitor/alerts/alert-schemas.js';
import { HealthConfigSchema } from './health-schema.js';
import { DetectorsConfigSchema, ResponsesConfigSchema } from './response-schema.js';

/**
 * The one schema for all of Rampart's configuration. Every key can come from the config
 * file (same nesting) or from an environment variable whose name is derived from its
 * path: `jwt.accessTokenTtl` → `RAMPART_JWT_ACCESS_TOKEN_TTL` (see env-source.ts).
 * Durations are whole seconds; sizes are bytes.
 */
export const roleNames = ['ADMIN', 'DEVELOPER', 'VIEWER'] as const;
/** The built-in roles; issue-level authorization adds custom roles on top. */
export const RoleSchema = Type.Union([
  Type.Literal('ADMIN'),
  Type.Literal('DEVELOPER'),
  Type.Literal('VIEWER'),
]);
const Role = RoleSchema;

const RateLimitKeyPartSchema = Type.Union([
  Type.Literal('ip'),
  Type.Literal('user'),
  Type.Literal('apiKey'),
  Type.Literal('route'),
]);

const RateLimitRouteSchema = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$',
        description: 'Policy name in the RateLimit headers; default route-<position>.',
      }),
    ),
    method: Type.String({
      default: '*',
      pattern: '^(\\*|[A-Za-z]+)$',
      description: 'HTTP method, or * for any.',
    }),
    url: Type.String({ minLength: 1, pattern: '^/' }),
    limit: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    window: Type.Integer({ default: 60, minimum: 1, maximum: 86_400 }),
    key: Type.Array(RateLimitKeyPartSchema, { default: ['ip'], minItems: 1 }),
  },
  { additionalProperties: false },
);

const GatewayRouteSchema = Type.Object(
  {
    method: Type.String({
      default: '*',
      pattern: '^(\\*|[A-Za-z]+)$',
      description: 'HTTP method, or * for GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS.',
    }),
    path: Type.String({
      minLength: 1,
      maxLength: 512,
      pattern: '^/',
      description: 'Fastify route pattern (/api/orders/:id) or a prefix ending in * (/api/*).',
    }),
    auth: Type.Union(
      [Type.Literal('jwt'), Type.Literal('apikey'), Type.Literal('any'), Type.Literal('none')],
      { description: 'Who may call: a user access token, an API key, either, or anyone.' },
    ),
    permission: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'Permission the caller needs.' }),
    ),
    signature: Type.Boolean({
      default: false,
      description: 'Require a signed request (API key with HMAC, nonce and timestamp).',
    }),
    rateLimit: Type.Optional(
      Type.Object(
        {
          limit: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
          window: Type.Integer({ default: 60, minimum: 1, maximum: 86_400 }),
          key: Type.Array(RateLimitKeyPartSchema, { default: ['ip'], minItems: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
    idempotency: Type.Boolean({
      default: false,
      description: 'Honour Idempotency-Key on POST and PATCH (bodies and answers are buffered).',
    }),
  },
  { additionalProperties: false },
);

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
/** A dotted path into a JSON request body (`changes.items`). */
const BodyPath = Type.String({
  pattern: '^[A-Za-z0-9_-]{1,64}(\\.[A-Za-z0-9_-]{1,64}){0,7}$',
  description: 'A dotted path into the JSON request body, e.g. `changes.items`.',
});

/** One approval policy (config `authz.approvals.policies`). */
export const ApprovalPolicySchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
    routes: Type.Array(Type.String({ pattern: '^[A-Z]{3,7} /' }), {
      minItems: 1,
      maxItems: 256,
    }),
    required: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    approverRole: Type.Optional(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' })),
    when: Type.Optional(
      Type.Object(
        {
          /** Applies only when Rampart runs in one of these (`env`). */
          environments: Type.Optional(
            Type.Array(
              Type.Union([
                Type.Literal('development'),
                Type.Literal('staging'),
                Type.Literal('production'),
              ]),
              { minItems: 1, maxItems: 3, uniqueItems: true },
            ),
          ),
          /** Applies when the array at `path` in the body has at least `count` items. */
          minItems: Type.Optional(
            Type.Object(
              { path: BodyPath, count: Type.Integer({ minimum: 1, maximum: 1_000_000 }) },
              { additionalProperties: false },
            ),
          ),
          /** Applies when the body has `true` at this path (e.g. `breaking`). */
          bodyFlag: Type.Optional(BodyPath),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const EnvironmentRoles = (env: string) =>
  Type.Array(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' }), {
    maxItems: 64,
    description: `Roles that may act in ${env} (and every role inheriting one of them).`,
  });

/** Routes that need a recent MFA login unless `authz.stepUp.routes` says otherwise. */
export const stepUpDefaultRoutes = [
  'POST /v1/admin/signing-keys/rotate',
  'PUT /v1/authz/roles/:name',
  'DELETE /v1/authz/roles/:name',
  'POST /v1/authz/grants',
  'DELETE /v1/authz/grants/:id',
  'PUT /v1/authz/assignments/:principalId',
  'PUT /v1/admin/accounts/:id/roles',
  'DELETE /v1/admin/accounts/:id',
] as const;

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
        pattern: '^(postgres|postgresql|sqlite):',
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
    cors: Type.Object(
      {
        origins: Type.Array(Type.String(), {
          default: [],
          description: 'Allowed browser origins (exact, e.g. https://app.example.com).',
        }),
        allowCredentials: Type.Boolean({
          default: true,
          description: 'Send Access-Control-Allow-Credentials for allowed origins.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    idempotency: Type.Object(
      {
        ttl: Type.Integer({
          default: 86_400,
          minimum: 60,
          maximum: 604_800,
          description:
            'Seconds a response to a request with an Idempotency-Key is kept for retries.',
        }),
        maxBodyBytes: Type.Integer({
          default: 65_536,
          minimum: 1024,
          maximum: 1_048_576,
          description: 'Larger responses are not kept; their key is released instead.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    network: Type.Object(
      {
        trustedProxies: Type.Array(Type.String({ minLength: 2, maxLength: 49 }), {
          default: [],
          description:
            'Proxies (addresses or CIDRs) whose X-Forwarded-For is believed; the client is the right-most address not in this list. Empty: the socket address is the client.',
        }),
        allow: Type.Array(Type.String({ minLength: 2, maxLength: 49 }), {
          default: [],
          description:
            'CIDRs that no ban or deny rule can block (operators, health checkers). Not an exclusive allowlist: others are still served.',
        }),
        deny: Type.Array(Type.String({ minLength: 2, maxLength: 49 }), {
          default: [],
          description: 'CIDRs refused on every request (403 ip_blocked).',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          [
            Type.Literal('fatal'),
            Type.Literal('error'),
            Type.Literal('warn'),
            Type.Literal('info'),
            Type.Literal('debug'),
            Type.Literal('trace'),
            Type.Literal('silent'),
          ],
          { default: 'info', description: 'Least severe level written to the log.' },
        ),
        stdout: Type.Boolean({
          default: true,
          description: 'Write log lines to standard output.',
        }),
        file: Type.Optional(
          Type.Object(
            {
              path: Type.String({
                minLength: 1,
                description:
                  'Log file path (directories are created); rotated files are numbered after it: rampart.log → rampart.1.log, rampart.2.log… (the highest is current).',
              }),
              maxSize: Type.Integer({
                default: 10_485_760,
                minimum: 1024,
                maximum: 10_737_418_240,
                description: 'Bytes after which the file is rotated.',
              }),
              maxFiles: Type.Integer({
                default: 10,
                minimum: 1,
                maximum: 10_000,
                description:
                  'Rotated files kept besides the current one; older ones are deleted (including those of earlier runs).',
              }),
              frequency: Type.Optional(
                Type.Union([Type.Literal('daily'), Type.Literal('hourly')], {
                  description: 'Also rotate every day or hour, whatever the size.',
                }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    http: Type.Object(
      {
        bodyLimit: Type.Integer({
          default: 1_048_576,
          minimum: 1024,
          maximum: 104_857_600,
          description: 'Largest accepted request body in bytes (413 above).',
        }),
        maxJsonDepth: Type.Integer({
          default: 32,
          minimum: 2,
          maximum: 256,
          description: 'Deepest nesting of objects and arrays accepted in a JSON body.',
        }),
        maxHeaderSize: Type.Integer({
          default: 16_384,
          minimum: 4096,
          maximum: 65_536,
          description:
            'Largest accepted request head (request line and headers) in bytes (431 above).',
        }),
        requestTimeout: Type.Integer({
          default: 30,
          minimum: 1,
          maximum: 600,
          description: 'Seconds a request may take before the connection is closed.',
        }),
        shutdownGrace: Type.Integer({
          default: 10,
          minimum: 0,
          maximum: 300,
          description:
            'Seconds to drain in-flight requests on SIGTERM (and in close()); connections still open then are closed.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    docs: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: 'Serve /openapi.json and the browsable /docs.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    registration: Type.Object(
      {
        mode: Type.Optional(
          Type.Union([Type.Literal('open'), Type.Literal('invite'), Type.Literal('closed')], {
            description:
              'Self-service registration: open, invite (an invitation token is required) or closed. Default open in development, closed otherwise.',
          }),
        ),
        defaultRoles: Type.Array(Role, {
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
    ),
    password: Type.Object(
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
    ),
    jwt: Type.Object(
      {
        algorithm: Type.Union(
          [
            Type.Literal('EdDSA'),
            Type.Literal('ES256'),
            Type.Literal('RS256'),
            Type.Literal('HS256'),
          ],
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
    ),
    session: Type.Object(
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
    ),
    apiKeys: Type.Object(
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
    ),
    lockout: Type.Object(
      {
        maxFailures: Type.Integer({
          default: 5,
          minimum: 1,
          maximum: 100,
          description:
            'Failed password or MFA attempts per account within the window before it locks.',
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
    ),
    mfa: Type.Object(
      {
        issuer: Type.String({
          default: 'Rampart',
          minLength: 1,
          maxLength: 64,
          description: 'Issuer shown by authenticator apps.',
        }),
        requiredRoles: Type.Array(Role, {
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
    ),
    oauth: Type.Object(
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
    ),
    mail: Type.Object(
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
    ),
    passwordReset: Type.Object(
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
    ),
    rateLimit: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description:
            'Apply rate limits. With no global or default limit and no route entries nothing is limited.',
        }),
        failMode: Type.Union([Type.Literal('open'), Type.Literal('closed')], {
          default: 'open',
          description:
            'When Redis cannot decide: open falls back to a per-node in-memory limiter; closed refuses with 503.',
        }),
        global: Type.Object(
          {
            limit: Type.Integer({
              default: 0,
              minimum: 0,
              maximum: 1_000_000,
              description:
                'Requests per window for every request, on top of the route policy (routes with limit 0 excepted); 0 turns the global policy off.',
            }),
            window: Type.Integer({
              default: 60,
              minimum: 1,
              maximum: 86_400,
              description: 'Seconds of the global policy window.',
            }),
            key: Type.Array(RateLimitKeyPartSchema, {
              default: ['ip'],
              minItems: 1,
              description: 'What the global budget is counted per (as rateLimit.default.key).',
            }),
          },
          { default: {}, additionalProperties: false },
        ),
        default: Type.Object(
          {
            limit: Type.Integer({
              default: 0,
              minimum: 0,
              maximum: 1_000_000,
              description:
                'Requests per window for every route without an entry in rateLimit.routes; 0 turns the default policy off.',
            }),
            window: Type.Integer({
              default: 60,
              minimum: 1,
              maximum: 86_400,
              description: 'Seconds of the default policy window.',
            }),
            key: Type.Array(RateLimitKeyPartSchema, {
              default: ['ip'],
              minItems: 1,
              description:
                'What the default budget is counted per: ip (IPv6 per /64), user, apiKey, route, or a combination.',
            }),
          },
          { default: {}, additionalProperties: false },
        ),
        routes: Type.Array(RateLimitRouteSchema, {
          default: [],
          description:
            'Per-route policies (config file only): {name?, method?, url, limit, window?, key?}. The first entry whose method and route pattern match wins over the default; url is a route pattern as registered (/v1/items/:id) or a prefix ending in *; limit 0 exempts the route.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    bootstrap: Type.Object(
      {
        tokenTtl: Type.Integer({
          default: 3600,
          minimum: 60,
          maximum: 86_400,
          description: 'Seconds the development bootstrap token stays valid.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    gateway: Type.Object(
      {
        upstream: Type.Optional(
          Type.String({
            pattern: '^https?://',
            description:
              'URL of the API behind the gateway (http:// or https://, optionally with a base path); absent turns the gateway off.',
          }),
        ),
        routes: Type.Array(GatewayRouteSchema, {
          default: [],
          description:
            'Proxied routes (config file only): {method?, path, auth, permission?, signature?, rateLimit?: {limit, window?, key?}, idempotency?}. A route with a rateLimit counts under it unless a rateLimit.routes entry matches first.',
        }),
        timeout: Type.Integer({
          default: 30,
          minimum: 1,
          maximum: 3600,
          description: 'Seconds to wait for the upstream to answer (504 after).',
        }),
        maxBodyBytes: Type.Integer({
          default: 104_857_600,
          minimum: 1024,
          maximum: 10_737_418_240,
          description:
            'Largest request body streamed to the upstream (413 above); buffered bodies (signature, idempotency) stay under http.bodyLimit.',
        }),
        connections: Type.Integer({
          default: 128,
          minimum: 1,
          maximum: 10_000,
          description: 'Most connections kept open to the upstream.',
        }),
        identitySecret: Type.Optional(
          Type.String({
            minLength: 32,
            description:
              'HMAC key for X-Rampart-Identity-Signature, shared with the upstream (at least 32 characters). Default: derived from the master key.',
          }),
        ),
        circuitBreaker: Type.Object(
          {
            failures: Type.Integer({
              default: 5,
              minimum: 1,
              maximum: 1000,
              description:
                'Consecutive connection failures or timeouts that open the circuit (503 without calling the upstream).',
            }),
            openDuration: Type.Integer({
              default: 30,
              minimum: 1,
              maximum: 3600,
              description:
                'Seconds the circuit stays open before one probe request is let through.',
            }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    audit: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description:
            'Persist every security event in the hash-chained audit trail (publishers wait until it is stored).',
        }),
        flushDelayMs: Type.Integer({
          default: 0,
          minimum: 0,
          maximum: 1000,
          description:
            'Group commit: milliseconds to gather more events before writing a batch; 0 writes on the next event-loop turn (events arriving during a write join the next batch).',
        }),
        maxBatch: Type.Integer({
          default: 1000,
          minimum: 1,
          maximum: 10_000,
          description: 'Most events written in one transaction.',
        }),
        checkpointEvery: Type.Integer({
          default: 1000,
          minimum: 1,
          maximum: 10_000_000,
          description: 'Write a signed checkpoint after this many records.',
        }),
        checkpointInterval: Type.Integer({
          default: 60,
          minimum: 1,
          maximum: 86_400,
          description: 'Seconds between signed checkpoints while records arrive.',
        }),
        retentionDays: Type.Integer({
          default: 0,
          minimum: 0,
          maximum: 36_500,
          description:
            'Delete records older than this many days (checked hourly), keeping the rest verifiable through a signed anchor; 0 keeps everything.',
        }),
        riskBase: Type.Array(Type.String({ pattern: '^[a-z_.]+\\*?=(10|[0-9])$' }), {
          default: [],
          description:
            'Base risk scores as type=score, merged over the built-in table: an exact event type or a prefix ending in * (apikey.*=9).',
        }),
        trustedKeys: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }), {
          default: [],
          description:
            'Earlier checkpoint public keys (base64url) that verification still trusts after the master key was rotated.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    secretScan: Type.Object(
      {
        routes: Type.Array(Type.String({ pattern: '^(\\*|[A-Za-z]+) /\\S*$', maxLength: 520 }), {
          default: [],
          description:
            'Request bodies to scan for secrets at run time, as "METHOD /route" (a route pattern, or a prefix ending in *; method * for any), e.g. "POST /v1/tickets". A secret found emits secret.detected (rule and redacted evidence); the request proceeds.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    dataProtection: Type.Object(
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
    ),
    health: HealthConfigSchema,
    authz: Type.Object(
      {
        environment: Type.Object(
          {
            development: Type.Optional(EnvironmentRoles('development')),
            staging: Type.Optional(EnvironmentRoles('staging')),
            production: Type.Optional(EnvironmentRoles('production')),
          },
          {
            default: {},
            additionalProperties: false,
            description:
              'Environment access matrix: which roles may act in which environment. Rampart decides its own routes in `env`; an environment left out is open to every role.',
          },
        ),
        stepUp: Type.Object(
          {
            maxAge: Type.Integer({
              default: 300,
              minimum: 30,
              maximum: 86_400,
              description:
                "Seconds since the last MFA login within which a step-up route is allowed (the token's auth_time and amr).",
            }),
            routes: Type.Array(Type.String({ pattern: '^[A-Z]{3,7} /' }), {
              default: [...stepUpDefaultRoutes],
              maxItems: 256,
              description:
                'Routes (`METHOD /route/:pattern`, as registered) that need a recent MFA login; otherwise 401 step_up_required.',
            }),
          },
          { default: {}, additionalProperties: false },
        ),
        approvals: Type.Object(
          {
            routes: Type.Array(Type.String({ pattern: '^[A-Z]{3,7} /' }), {
              default: [],
              maxItems: 256,
              description:
                "Routes (`METHOD /route/:pattern`) that run only with a second administrator's approval: the first call answers 202 approval_required with an approval id; once approved, the requester repeats it with the Approval-Id header, once.",
            }),
            ttl: Type.Integer({
              default: 86_400,
              minimum: 60,
              maximum: 30 * 86_400,
              description: 'Seconds an approval request stays open (and an approval usable).',
            }),
            required: Type.Integer({
              default: 1,
              minimum: 1,
              maximum: 10,
              description:
                'Distinct approvers (holders of approverRole, never the requester) a request needs before it may run.',
            }),
            approverRole: Type.String({
              default: 'ADMIN',
              pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$',
              description: 'Role an approver must hold (or inherit); never the requester.',
            }),
            policies: Type.Array(ApprovalPolicySchema, {
              default: [],
              maxItems: 64,
              description:
                'Approval policies: `{name, routes, required?, approverRole?, when?: {environments?, minItems?: {path, count}, bodyFlag?}}`. A policy applies to a request on one of its routes when every condition in `when` holds (none: always). The first applying policy, in order, decides who approves and how many; `routes` above acts as a last policy without conditions.',
            }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    metrics: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: 'Serve Prometheus metrics at GET /metrics.',
        }),
        token: Type.Optional(
          Type.String({
            minLength: 16,
            description:
              'Bearer token a scraper must present (Authorization: Bearer …; at least 16 characters). Required in production unless metrics.port is set.',
          }),
        ),
        port: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: 65_535,
            description:
              'Serve /metrics on this separate port (on metrics.host) instead of the main listener.',
          }),
        ),
        host: Type.String({
          default: '127.0.0.1',
          minLength: 1,
          description: 'Address the separate metrics listener binds to (with metrics.port).',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    dashboard: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: 'Serve the web dashboard at /ui/ (built by npm run build).',
        }),
        liveHeartbeat: Type.Integer({
          default: 15,
          minimum: 1,
          maximum: 300,
          description:
            'Seconds between heartbeats on GET /v1/events/stream, under the idle timeout of proxies in between.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    detectors: DetectorsConfigSchema,
    responses: ResponsesConfigSchema,
    alerts: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description:
            'Evaluate alert rules and notify channels (one node of a cluster at a time).',
        }),
        evaluationIntervalMs: Type.Integer({
          default: 5000,
          minimum: 10,
          maximum: 3_600_000,
          description:
            'Milliseconds between rule evaluations; a detector signal also triggers one at once.',
        }),
        historyRetentionDays: Type.Integer({
          default: 90,
          minimum: 0,
          maximum: 36_500,
          description:
            'Days of alert history and delivery records kept (pruned hourly); 0 keeps everything.',
        }),
        rules: Type.Array(AlertRuleSchema, {
          default: [],
          description:
            'Alert rules (config file only; more through /v1/alerts/rules): {name, metric: {name, labels} or signal: {labels, field?}, aggregation, window, operator, threshold, for, severity, labels, annotations, channels, cooldown, repeatInterval, groupBy}.',
        }),
        channels: Type.Array(AlertChannelSchema, {
          default: [],
          description:
            'Notification channels (config file only; more through /v1/alerts/channels): {name, type (email, slack, webhook or alertmanager), to (email) or url, secret (webhook), template?}.',
        }),
        delivery: Type.Object(
          {
            attempts: Type.Integer({
              default: 4,
              minimum: 1,
              maximum: 20,
              description: 'Attempts per notification and channel, the first included.',
            }),
            timeoutMs: Type.Integer({
              default: 5000,
              minimum: 10,
              maximum: 120_000,
              description: 'Milliseconds one delivery attempt may take.',
            }),
            backoffMs: Type.Integer({
              default: 250,
              minimum: 1,
              maximum: 60_000,
              description: 'Backoff base: retry n waits a random time below backoffMs × 2^n.',
            }),
            maxBackoffMs: Type.Integer({
              default: 10_000,
              minimum: 1,
              maximum: 600_000,
              description: 'Ceiling of a retry wait.',
            }),
            circuitFailures: Type.Integer({
              default: 5,
              minimum: 1,
              maximum: 1000,
              description: "Consecutive failed attempts that open a channel's circuit.",
            }),
            circuitOpenDuration: Type.Integer({
              default: 30,
              minimum: 1,
              maximum: 3600,
              description: 'Seconds an open channel circuit refuses deliveries before a probe.',
            }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
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

export type RoleName = (typeof roleNames)[number];
