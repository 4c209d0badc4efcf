import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import { importJWK, jwtVerify } from 'jose';
import { serveFromParent } from '../lib/server-child.js';

/**
 * What a team would build instead of Rampart for a protected route, from the usual parts:
 * Fastify with its own request logging (pino at `info` to stdout: a line when a request comes
 * in and one when it is done), @fastify/helmet's default headers, a preHandler that verifies
 * the bearer token with jose against Rampart's public key (issuer, audience, algorithm) and
 * requires the role, then @fastify/rate-limit per user (in memory, with its headers). No
 * revocation list, IP rules, metrics or audit events: the least such a route needs.
 */
serveFromParent(async ({ body, path, jwk, issuer, audience, role, limit }) => {
  const key = await importJWK(jwk, jwk.alg);
  const app = Fastify({ logger: { level: 'info' } });
  await app.register(helmet);
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    keyGenerator: (request) => request.user?.sub ?? request.ip,
  });
  app.decorateRequest('user', null);
  app.get(
    path,
    {
      config: { rateLimit: { max: limit, timeWindow: 60_000 } },
      // Runs before the rate limit's own preHandler, so the limit is per verified user.
      onRequest: async (request, reply) => {
        const [scheme, token] = (request.headers.authorization ?? '').split(' ');
        if (scheme !== 'Bearer' || !token) return reply.code(401).send({ error: 'unauthorized' });
        try {
          const { payload } = await jwtVerify(token, key, {
            issuer,
            audience,
            algorithms: [jwk.alg],
          });
          if (!Array.isArray(payload.roles) || !payload.roles.includes(role))
            return reply.code(403).send({ error: 'forbidden' });
          request.user = payload;
        } catch {
          return reply.code(401).send({ error: 'invalid_token' });
        }
      },
    },
    async () => body,
  );
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
});
