import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
  preHandlerHookHandler,
  RouteHandlerMethod,
} from 'fastify';
import type { Dispatcher } from 'undici';
import { RampartError } from '../errors/rampart-error.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { Authenticator } from '../identity/authenticate.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { gatewayErrors } from './errors.js';
import { overrideHeaders, upstreamRequestHeaders } from './forward-headers.js';
import type { GatewayRouteStats, GatewayStats } from './gateway-stats.js';
import { IdentitySigner } from './identity-signer.js';
import {
  BodyTooLargeError,
  declaredLength,
  limitedBody,
  payloadTooLarge,
  readBody,
} from './request-body.js';
import { anyMethod, type GatewayRouteConfig, routeName } from './route-table.js';
import { UpstreamCall, type UpstreamRoute } from './upstream-call.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on routes the gateway proxies. */
    rampartGateway?: string;
  }
}

export interface GatewayPluginOptions {
  routes: readonly GatewayRouteConfig[];
  /** Sends requests to the upstream (an undici Pool for its origin). */
  dispatcher: Dispatcher;
  /** The upstream URL's path, prepended to every proxied path ('' for none). */
  basePath: string;
  breaker: CircuitBreaker;
  /** The upstream's origin, for events. */
  upstream: string;
  timeoutMs: number;
  /** Largest streamed body. */
  maxBodyBytes: number;
  /** Largest buffered body (signed or idempotent routes): http.bodyLimit. */
  bufferLimit: number;
  /** Largest answer kept for Idempotency-Key retries. */
  idempotencyMaxBytes: number;
  identitySecret: string;
  auth: Authenticator;
  events: EventPublisher;
  stats: GatewayStats;
}

/** Bodies read whole before authentication: a signature covers the body's digest. */
const bufferedBodies = new WeakMap<FastifyRequest, Buffer>();

/** Answers up to this size (by Content-Length) are read whole before they are sent on. */
const wholeAnswerBytes = 16_384;

const timeoutCodes = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The gateway: each configured route is authenticated, authorized, rate limited and
 * (optionally) signature-checked by the same hooks as Rampart's own routes, then proxied
 * to the upstream with undici. Bodies stream both ways; only signed and idempotent routes
 * read the request body first. Registered encapsulated, so its catch-all body parser (the
 * raw stream, unparsed) applies to gateway routes only.
 */
export async function gatewayPlugin(app: FastifyInstance, o: GatewayPluginOptions): Promise<void> {
  const signer = new IdentitySigner(o.identitySecret);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  // Gateway routes only (this plugin is encapsulated): a request that asks the upstream to
  // run it as another method or path is refused before any guard authorizes it as sent.
  app.addHook('onRequest', (request, _reply, done) => {
    for (const name of overrideHeaders) {
      if (request.headers[name] !== undefined)
        return done(
          new RampartError(gatewayErrors.request_override_refused, {
            detail: `${name} is refused.`,
          }),
        );
    }
    done();
  });

  const bufferBody: preHandlerAsyncHookHandler = async function bufferBody(request) {
    const body = request.body;
    if (!(body instanceof Readable)) return;
    const buffer = await readBody(body, o.bufferLimit);
    bufferedBodies.set(request, buffer);
    request.bodySha256 = createDigest(buffer);
    // What the idempotency check fingerprints: the digest stands for the bytes.
    request.body = `sha256:${request.bodySha256}`;
  };

  // Callback-style like Rampart's authentication guards: it runs after requireCaller has
  // set the principal, so it decides in memory and an async function would only cost a
  // promise on every API-key request.
  const requireApiKey: preHandlerHookHandler = function requireApiKey(request, _reply, done) {
    if (request.principal?.kind !== 'api_key') {
      done(new RampartError(gatewayErrors.api_key_required));
      return;
    }
    done();
  };

  // Rampart's authentication guards are callback-style (no promise when decided in memory).
  function guardsOf(
    route: GatewayRouteConfig,
  ): (preHandlerAsyncHookHandler | preHandlerHookHandler)[] {
    const guards: (preHandlerAsyncHookHandler | preHandlerHookHandler)[] = [];
    if (route.signature || route.idempotency) guards.push(bufferBody);
    if (route.signature) {
      guards.push(o.auth.requireSignature(route.permission));
      return guards;
    }
    if (route.auth === 'none') return guards;
    guards.push(route.auth === 'jwt' ? o.auth.requireUser : o.auth.requireCaller);
    if (route.auth === 'apikey') guards.push(requireApiKey);
    if (route.permission !== undefined) guards.push(o.auth.requirePermission(route.permission));
    return guards;
  }

  for (const route of o.routes) {
    const name = routeName(route);
    const stats = o.stats.route(name);
    const buffered = route.signature || route.idempotency;
    const handler = proxyHandler(o, signer, name, stats, buffered);
    app.route({
      method: route.method === '*' ? [...anyMethod] : route.method.toUpperCase(),
      url: route.path,
      schema: { hide: true },
      config: { rampartGateway: name, rampartIdempotency: route.idempotency },
      preHandler: guardsOf(route),
      handler,
    });
  }
}

function createDigest(buffer: Buffer): string {
  return createHash('sha256').update(buffer).digest('hex');
}

function proxyHandler(
  o: GatewayPluginOptions,
  signer: IdentitySigner,
  name: string,
  stats: GatewayRouteStats,
  buffered: boolean,
): RouteHandlerMethod {
  const route: UpstreamRoute = {
    stats,
    wholeAnswerBytes,
    timeoutMs: o.timeoutMs,
    idempotencyMaxBytes: o.idempotencyMaxBytes,
    answered: () => o.breaker.succeeded(),
    failed: (request, error) => failure(o, request, name, stats, error),
  };
  // Not async: the answer is sent by the upstream call's callbacks, with no promise
  // in between.
  return function proxy(request: FastifyRequest, reply: FastifyReply): void {
    let body: Readable | Buffer | undefined = buffered ? bufferedBodies.get(request) : undefined;
    if (body === undefined && request.body instanceof Readable) {
      body = limitedBody(
        request.body,
        declaredLength(request.headers['content-length']),
        o.maxBodyBytes,
      );
    }
    const admitted = o.breaker.admit();
    if (typeof admitted === 'number') {
      stats.circuitOpen++;
      throw new RampartError(gatewayErrors.upstream_circuit_open, {
        headers: { 'Retry-After': String(Math.max(1, Math.ceil(admitted / 1000))) },
        context: { upstream: o.upstream, route: name },
      });
    }
    stats.forwarded++;
    const path = o.basePath + request.url;
    const principal = request.principal;
    const headers = upstreamRequestHeaders(request.headers, {
      chain: request.ips ?? request.ip,
      proto: request.protocol,
      host: request.host,
      // User tokens pass on (the upstream may call other services for the user), as
      // Envoy's JWT filter does by default; API keys never do.
      dropApiKey: principal?.kind === 'api_key',
    });
    signer.sign(
      principal,
      String(request.id),
      request.method,
      path,
      Math.floor(Date.now() / 1000),
      headers,
    );
    o.dispatcher.dispatch(
      {
        method: request.method as Dispatcher.HttpMethod,
        path,
        headers,
        body: body ?? null,
        headersTimeout: o.timeoutMs,
        bodyTimeout: o.timeoutMs,
      },
      new UpstreamCall(route, request, reply),
    );
  };
}

/** Turns a failed upstream call into the client's answer, and counts it. */
function failure(
  o: GatewayPluginOptions,
  request: FastifyRequest,
  route: string,
  stats: GatewayRouteStats,
  error: unknown,
): RampartError {
  if (
    error instanceof BodyTooLargeError ||
    (error as { cause?: unknown })?.cause instanceof BodyTooLargeError
  ) {
    o.breaker.released();
    return payloadTooLarge(o.maxBodyBytes);
  }
  // The client went away mid-upload: nothing is wrong with the upstream.
  if (request.raw.readableAborted || request.raw.socket.destroyed) {
    o.breaker.released();
    return new RampartError(gatewayErrors.upstream_unavailable, {
      context: { reason: 'client_aborted', route },
      cause: error,
    });
  }
  const code = errorCode(error);
  const timeout = code !== undefined && timeoutCodes.has(code);
  if (timeout) stats.timeouts++;
  else stats.unavailable++;
  o.breaker.failed();
  const reason = timeout ? 'timeout' : 'unavailable';
  void o.events.publish({
    type: 'gateway.upstream.failed',
    outcome: 'failure',
    actor: { kind: 'system' },
    target: { type: 'upstream', id: o.upstream },
    requestId: String(request.id),
    details: { reason, route, ...(code ? { error: code } : {}) },
  });
  return new RampartError(
    timeout ? gatewayErrors.upstream_timeout : gatewayErrors.upstream_unavailable,
    { context: { upstream: o.upstream, route, reason, error: code }, cause: error },
  );
}
