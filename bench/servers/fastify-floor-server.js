import Fastify from 'fastify';
import { loadConfig } from '../../dist/config/index.js';
import { generateRequestId } from '../../dist/http/request-id.js';
import { createSecurityHeaders } from '../../dist/http/security-headers.js';
import { openLogger } from '../../dist/monitor/logger.js';
import { addRequestLine } from '../lib/request-line-hook.js';
import { serveFromParent } from '../lib/server-child.js';

/**
 * Bare Fastify plus only the parts of a Rampart response that no configuration removes,
 * to show what they cost on their own: the security headers and request id (Rampart's own
 * code, from dist/), and with `log: true` Rampart's request line, written as Rampart
 * writes it (its RequestLogger on the logger its default configuration opens: pino,
 * info, stdout) from an onResponse hook. No authentication, no rate limit, no metrics, no schema.
 */
serveFromParent(async ({ body, path = '/v1/me', log = false }) => {
  const logger = log
    ? (await openLogger(loadConfig({ env: {}, noFile: true }).config.log)).logger
    : undefined;
  const app = Fastify({ logger: false, genReqId: generateRequestId });
  const headers = createSecurityHeaders({ https: false });
  app.addHook('onRequest', (request, reply, done) => {
    headers.apply(request, reply);
    done();
  });
  if (logger) addRequestLine(app, logger, path);
  app.get(path, async () => body);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
});
