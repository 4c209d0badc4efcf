import Fastify from 'fastify';
import { serveFromParent } from '../lib/server-child.js';

/**
 * The floor: a bare Fastify route returning the JSON body it was given. No logger, no
 * hooks, no schema, no authentication.
 */
serveFromParent(async ({ body, path = '/v1/me' }) => {
  const app = Fastify({ logger: false });
  app.get(path, async () => body);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
});
