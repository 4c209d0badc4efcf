import { createHash, timingSafeEqual } from 'node:crypto';
import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { serveFromParent } from '../lib/server-child.js';

/**
 * What a team would build instead of Rampart for an API-key route, from the usual parts:
 * Fastify with its own request logging (pino at `info` to stdout: a line when a request
 * comes in and one when it is done), @fastify/helmet's default headers, and a preHandler
 * that takes the key from `Authorization: Bearer` or `X-API-Key`, hashes it (SHA-256) and
 * looks the hash up in a Map of issued keys. No revocation, scopes, IP rules, rate limits,
 * metrics or audit events: the least such a route needs.
 */
serveFromParent(async ({ body, path, key }) => {
  const app = Fastify({ logger: { level: 'info' } });
  await app.register(helmet);
  const digest = (text) => createHash('sha256').update(text).digest();
  const issued = new Map([[digest(key).toString('base64'), { hash: digest(key) }]]);
  app.get(
    path,
    {
      preHandler(request, reply, done) {
        const header = request.headers.authorization;
        const presented = header?.startsWith('Bearer ')
          ? header.slice(7)
          : request.headers['x-api-key'];
        const hash = typeof presented === 'string' ? digest(presented) : undefined;
        const found = hash && issued.get(hash.toString('base64'));
        // The Map lookup already matched the hash; the constant-time compare is what a
        // careful hand-written check adds anyway.
        if (!found || !timingSafeEqual(found.hash, hash)) {
          reply.code(401).send({ error: 'unauthorized' });
          return;
        }
        done();
      },
    },
    async () => body,
  );
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
});
