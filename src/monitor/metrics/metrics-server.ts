import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { type ErrorDefinition, RampartError } from '../../errors/rampart-error.js';
import { httpErrors } from '../../http/errors.js';
import { problemContentType, toProblem } from '../../http/problem.js';
import { monitorErrors } from '../errors.js';
import { metricsChallenge } from '../routes/metrics.routes.js';
import { createBearerTokenCheck } from './bearer-token.js';
import type { RampartMetrics } from './rampart-metrics.js';

export interface MetricsServerOptions {
  metrics: RampartMetrics;
  host: string;
  port: number;
  token?: string;
  /** For the `type` URI of problem documents. */
  publicUrl: string;
  logger: Logger;
}

export interface MetricsServer {
  /** The bound URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A separate, minimal listener that answers only `GET /metrics`, so the scrape endpoint
 * can stay on a private interface (127.0.0.1 by default) while the API is public.
 *
 * @example
 * const server = await startMetricsServer({ metrics, host: '127.0.0.1', port: 9464, publicUrl, logger });
 * await server.close();
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const allowed = options.token === undefined ? undefined : createBearerTokenCheck(options.token);
  const refuse = (res: ServerResponse, def: ErrorDefinition, path: string, headers = {}) => {
    const problem = toProblem(new RampartError(def), options.publicUrl, path, randomUUID());
    res.writeHead(def.status, { 'content-type': problemContentType, ...headers });
    res.end(JSON.stringify(problem));
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path !== '/metrics') return refuse(res, httpErrors.not_found, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return refuse(res, httpErrors.method_not_allowed, path, { allow: 'GET, HEAD' });
    }
    if (allowed !== undefined && !allowed(req.headers.authorization)) {
      return refuse(res, monitorErrors.metrics_unauthorized, path, {
        'www-authenticate': metricsChallenge,
      });
    }
    options.metrics.render().then(
      (text) => {
        res.writeHead(200, {
          'content-type': options.metrics.contentType,
          'cache-control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        options.logger.error({ err: error }, 'metrics scrape failed');
        refuse(res, httpErrors.internal_error, path);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
