import type { FastifyPluginAsync } from 'fastify';
import { RampartError } from '../../errors/rampart-error.js';
import { monitorErrors } from '../errors.js';
import { createBearerTokenCheck } from '../metrics/bearer-token.js';
import type { RampartMetrics } from '../metrics/rampart-metrics.js';

export interface MetricsRoutesOptions {
  metrics: RampartMetrics;
  /** When set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string;
}

/** The challenge a scraper without the token receives (RFC 6750 section 3). */
export const metricsChallenge = 'Bearer realm="metrics"';

/**
 * `GET /metrics`: the Prometheus text exposition, behind a bearer token when one is
 * configured. Left out of the OpenAPI document: it is for the scraper, not API clients.
 */
export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, options) => {
  const allowed = options.token === undefined ? undefined : createBearerTokenCheck(options.token);
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (allowed !== undefined && !allowed(request.headers.authorization)) {
      throw new RampartError(monitorErrors.metrics_unauthorized, {
        headers: { 'www-authenticate': metricsChallenge },
      });
    }
    const text = await options.metrics.render();
    return reply.type(options.metrics.contentType).header('cache-control', 'no-store').send(text);
  });
};
