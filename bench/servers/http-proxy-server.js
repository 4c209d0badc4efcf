import proxy from '@fastify/http-proxy';
import Fastify from 'fastify';
import { serveFromParent } from '../lib/server-child.js';

/**
 * The plain proxy: Fastify with @fastify/http-proxy (undici underneath) forwarding /api/*
 * to the upstream. No logger, no authentication, no limits.
 */
serveFromParent(async ({ upstream }) => {
  const app = Fastify({ logger: false });
  await app.register(proxy, { upstream, prefix: '/api', rewritePrefix: '/api' });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
});
