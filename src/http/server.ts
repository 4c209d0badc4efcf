import type { Duplex } from 'node:stream';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { RampartConfig } from '../config/schema.js';
import { RampartError } from '../errors/rampart-error.js';
import { errorRegistry } from '../errors/registry.js';
import { registerLogContext, requestLoggerFactory } from '../monitor/logging/log-context.js';
import { registerCors } from './cors.js';
import { registerErrorHandling, sendProblem } from './error-handler.js';
import { httpErrors } from './errors.js';
import { runCallerGuardsBeforeValidation } from './guard-order.js';
import { registerJsonBodyParser } from './json-body-parser.js';
import { registerOpenApi } from './openapi.js';
import { hasAmbiguousPath } from './path-form.js';
import { problemTypeUri } from './problem.js';
import { generateRequestId } from './request-id.js';
import { registerRequestLogging } from './request-logging.js';
import { installRouterRefusals } from './router-refusals.js';
import { createSecurityHeaders } from './security-headers.js';
import { validatorCompiler } from './validator-compiler.js';

export interface BuildServerOptions {
  config: RampartConfig;
  logger: Logger;
  version: string;
}

/** Fastify's query parser turns `?a=1&a=2` into an array; no route here takes one. */
function hasRepeatedParameter(query: unknown): boolean {
  if (typeof query !== 'object' || query === null) return false;
  for (const value of Object.values(query)) if (Array.isArray(value)) return true;
  return false;
}

/**
 * Errors Node reports before a request exists (a head too large, a timeout, bad framing)
 * answered as problem+json like every other error, then the socket is closed.
 */
function problemOnClientError(publicUrl: string) {
  return (error: Error & { code?: string }, socket: Duplex): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const def =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? httpErrors.headers_too_large
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? httpErrors.request_timeout
          : httpErrors.bad_request;
    const body = JSON.stringify({
      type: problemTypeUri(publicUrl, def.code),
      title: def.title,
      status: def.status,
      detail: def.description,
      code: def.code,
    });
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${def.status} ${def.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  };
}

/**
 * The HTTP shell every capability plugs into: request ids, security headers, CORS, strict
 * JSON bodies, schema validation, problem+json errors, request logs, OpenAPI and the
 * problem-type documentation. Capabilities register their plugins on the result.
 */
export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const { config } = options;
  const securityHeaders = createSecurityHeaders({ https: config.publicUrl.startsWith('https://') });
  const app = Fastify({
    loggerInstance: options.logger,
    // One line per request is written by request-logging.ts instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Each request's logger makes its pino child only if something logs through it
    // (routes get theirs from registerLogContext, with the route's bindings).
    childLoggerFactory: requestLoggerFactory,
    // generateRequestId reads X-Request-Id itself: with `requestIdHeader` set, Fastify
    // would take any incoming value verbatim and never call genReqId to vet it.
    genReqId: generateRequestId,
    requestIdHeader: false,
    bodyLimit: config.http.bodyLimit,
    requestTimeout: config.http.requestTimeout * 1000,
    // Shutdown closes idle keep-alive sockets at once and lets busy ones finish.
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    routerOptions: { maxParamLength: 256 },
    // X-Forwarded-For counts only from configured proxies (proxy-addr: the client is the
    // right-most address not in the list); otherwise the socket address is the client.
    http: { maxHeaderSize: config.http.maxHeaderSize },
    clientErrorHandler: problemOnClientError(config.publicUrl),
    trustProxy:
      config.network.trustedProxies.length > 0 ? [...config.network.trustedProxies] : false,
    // A URL the router cannot decode (`%ff`) or a path segment over maxParamLength: by
    // default Fastify answers plain JSON before any hook runs; here it is problem+json with
    // the security headers and the request line, like every other refusal.
    frameworkErrors: (error, request, reply) => {
      securityHeaders.apply(request, reply);
      const def =
        error.code === 'FST_ERR_BAD_URL'
          ? httpErrors.invalid_url
          : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? httpErrors.path_segment_too_long
            : httpErrors.internal_error;
      if (def.status >= 500) request.log.error({ err: error }, 'request failed');
      reply.raw.once('finish', () => routerRefused(request, reply));
      sendProblem(reply, request, new RampartError(def, { cause: error }), config.publicUrl);
    },
  }) as unknown as FastifyInstance;
  const routerRefused = installRouterRefusals(app);
  // Before any route is added: caller guards move ahead of schema validation.
  app.addHook('onRoute', runCallerGuardsBeforeValidation);
  app.setValidatorCompiler(validatorCompiler);

  // The shell's per-request work runs in one onRequest and one onSend hook (callback
  // style: an async hook costs a promise on every request).
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    securityHeaders.apply(request, reply);
    const url = request.url;
    // A NUL byte (null-byte injection) reaches no route: no path or query field accepts
    // one, and PostgreSQL refuses it in text. `%00` is the only way to spell it in a URL.
    if (url.includes('%00')) return done(new RampartError(httpErrors.nul_character));
    // One reading of every path: what Rampart authorizes is what an upstream serves.
    if (hasAmbiguousPath(url)) return done(new RampartError(httpErrors.ambiguous_path));
    if (url.includes('?') && hasRepeatedParameter(request.query)) {
      return done(new RampartError(httpErrors.duplicate_query_parameter));
    }
    if (!closing) return done();
    reply.header('connection', 'close');
    done(new RampartError(httpErrors.service_unavailable));
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    securityHeaders.adjust(reply);
    // A response finished while draining closes its keep-alive socket, or the drain
    // would wait for the client to hang up.
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  registerErrorHandling(app, { publicUrl: config.publicUrl });
  registerJsonBodyParser(app, { maxDepth: config.http.maxJsonDepth });
  registerRequestLogging(app);
  registerLogContext(app);
  await registerCors(app, config.cors);
  await registerOpenApi(app, {
    publicUrl: config.publicUrl,
    version: options.version,
    expose: config.docs.enabled,
  });

  app.get('/problems/:code', { schema: { hide: true } }, async (request, reply) => {
    const { code } = request.params as { code: string };
    const def = errorRegistry.get(code);
    if (!def) throw new RampartError(httpErrors.not_found);
    return reply
      .header('cache-control', 'public, max-age=86400')
      .send({ code: def.code, status: def.status, title: def.title, description: def.description });
  });

  return app;
}
