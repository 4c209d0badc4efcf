import { Type } from 'typebox';
import { RateLimitKeyPartSchema } from './protect-schema.js';

/**
 * The `gateway` section of the config schema: the upstream API proxied behind Rampart and
 * its routes.
 */

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

export const GatewayConfigSchema = Type.Object(
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
          description: 'Seconds the circuit stays open before one probe request is let through.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);
