import { Type } from 'typebox';

/**
 * The `idempotency`, `network` and `rateLimit` sections of the config schema: the
 * protections applied to every request (retries, IP rules, rate limits).
 */

export const RateLimitKeyPartSchema = Type.Union([
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

export const IdempotencyConfigSchema = Type.Object(
  {
    ttl: Type.Integer({
      default: 86_400,
      minimum: 60,
      maximum: 604_800,
      description: 'Seconds a response to a request with an Idempotency-Key is kept for retries.',
    }),
    maxBodyBytes: Type.Integer({
      default: 65_536,
      minimum: 1024,
      maximum: 1_048_576,
      description: 'Larger responses are not kept; their key is released instead.',
    }),
  },
  { default: {}, additionalProperties: false },
);

export const NetworkConfigSchema = Type.Object(
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
);

export const RateLimitConfigSchema = Type.Object(
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
);
