import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import { RampartError } from '../errors/rampart-error.js';
import { httpErrors } from './errors.js';

export interface CorsOptions {
  origins: readonly string[];
  allowCredentials: boolean;
}

/**
 * CORS from an allowlist of exact origins. With no origins configured nothing is
 * registered and browsers block every cross-origin call. `null` is refused by config
 * validation; `*` is only possible outside production and never with credentials.
 */
export async function registerCors(app: FastifyInstance, options: CorsOptions): Promise<void> {
  if (options.origins.length === 0) return;
  const wildcard = options.origins.includes('*');
  // @fastify/cors answers an OPTIONS that is not a preflight with a text/plain 400; refuse
  // it first so it gets a problem document with a code like every other error.
  app.addHook('onRequest', (request, _reply, done) => {
    if (
      request.method === 'OPTIONS' &&
      (!request.headers.origin || !request.headers['access-control-request-method'])
    ) {
      return done(
        new RampartError(httpErrors.bad_request, {
          detail:
            'OPTIONS is only answered as a CORS preflight (Origin and Access-Control-Request-Method).',
        }),
      );
    }
    done();
  });
  await app.register(cors, {
    origin: wildcard ? '*' : [...options.origins],
    credentials: wildcard ? false : options.allowCredentials,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: [
      'Authorization',
      'Content-Type',
      'X-Request-Id',
      'X-API-Key',
      'Idempotency-Key',
    ],
    exposedHeaders: [
      'X-Request-Id',
      'Retry-After',
      'RateLimit',
      'RateLimit-Policy',
      'WWW-Authenticate',
    ],
    maxAge: 600,
    strictPreflight: true,
  });
}
