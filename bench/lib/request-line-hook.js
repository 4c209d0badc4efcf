import { RequestLogger } from '../../dist/monitor/logging/request-logger.js';

/**
 * Writes Rampart's request line for every response of `app`, as Rampart's own onResponse
 * hook does (its RequestLogger, the same fields), through `logger`. For the floor servers,
 * which serve one route at `path`.
 *
 * @param {import('fastify').FastifyInstance} app
 * @param {import('pino').Logger} logger
 * @param {string} path
 */
export function addRequestLine(app, logger, path) {
  const route = { resource: path, action: undefined };
  app.addHook('onResponse', (request, reply, done) => {
    new RequestLogger(logger, { reqId: request.id }, route).writeLine(
      'info',
      {
        method: request.method,
        route: path,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
        ip: request.ip,
      },
      'request',
    );
    done();
  });
}
