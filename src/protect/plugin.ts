import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { clientNetwork } from '../identity/core/client-network.js';
import type { Principal } from '../identity/principal.js';
import { routePatternOf } from '../monitor/logging/request-logger.js';
import type { LivePolicies, RateLimitPolicy, RateLimitSubject } from './core/rate-limit-policy.js';
import type { RateLimiter, RateLimitOutcome } from './core/rate-limiter.js';

export interface ProtectPluginOptions {
  policies: LivePolicies;
  limiter: RateLimiter;
}

function subjectOf(
  request: FastifyRequest,
  route: string | undefined,
  principal: Principal | null,
): RateLimitSubject {
  // The principal as it is: the key reads only kind, id and keyId.
  return { network: clientNetwork(request.ip), method: request.method, route, principal };
}

function contextOf(request: FastifyRequest) {
  const ua = request.headers['user-agent'];
  return {
    ip: request.ip,
    requestId: String(request.id),
    ...(typeof ua === 'string' ? { userAgent: ua.slice(0, 512) } : {}),
  };
}

/**
 * Rate limits as Fastify hooks. Each route's policies (the global one, and its entry or
 * the default) are looked up once, when the route is registered, and stamped on its
 * config. A policy keyed by client network or route is decided in `onRequest`, before the
 * body is read or anyone is authenticated; a policy keyed by user or API key needs
 * `request.principal`, so it runs as the route's last preHandler, after the route's own
 * authentication preHandler. Requests that match no route (404) are counted under the
 * global and default policies in `onRequest`.
 *
 * Register before the routes it should cover (it sees only routes registered after it).
 */
async function protectPlugin(app: FastifyInstance, options: ProtectPluginOptions): Promise<void> {
  const { policies, limiter } = options;
  if (!app.hasRequestDecorator('principal')) app.decorateRequest('principal', null);

  // Callback-style hooks: an async hook costs a promise on every request, and a decision
  // in memory is synchronous. Policies are decided in order; the first refusal ends it.
  function enforce(
    list: readonly RateLimitPolicy[],
    from: number,
    route: string | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    done: (error?: Error) => void,
  ): void {
    for (let i = from; i < list.length; i++) {
      const policy = list[i] as RateLimitPolicy;
      let outcome: ReturnType<RateLimiter['check']>;
      try {
        outcome = limiter.check(
          policy,
          subjectOf(request, route, policy.afterAuth ? request.principal : null),
          () => contextOf(request),
        );
      } catch (error) {
        done(asError(error));
        return;
      }
      if (outcome instanceof Promise) {
        outcome.then(
          (settled) => {
            appendHeaders(reply, settled.headers);
            enforce(list, i + 1, route, request, reply, done);
          },
          (error: unknown) => done(asError(error)),
        );
        return;
      }
      appendHeaders(reply, outcome.headers);
    }
    done();
  }

  // The route pattern is known when the route is registered: each route gets its own
  // copy, so a request does not rebuild routeOptions to learn it.
  const afterAuthentication = (url: string): preHandlerHookHandler =>
    function rateLimitAfterAuth(request, reply, done) {
      const plan = policies.planFor(request.method, url);
      if (plan.late.length === 0) return done();
      enforce(plan.late, 0, url, request, reply, done);
    };

  // Every route gets the late check: policies keyed by caller may be added at run time.
  app.addHook('onRoute', (route) => {
    const own = route.preHandler;
    route.preHandler = [
      ...(own === undefined ? [] : Array.isArray(own) ? own : [own]),
      afterAuthentication(route.url),
    ];
  });

  app.addHook('onRequest', (request, reply, done) => {
    const url = routePatternOf(request);
    // No route matched (404): the global and default policies.
    const plan = url === undefined ? policies.unmatched : policies.planFor(request.method, url);
    if (plan.early.length === 0) return done();
    enforce(plan.early, 0, url, request, reply, done);
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Several policies make a list in one field (draft-ietf-httpapi-ratelimit-headers §3). */
function appendHeaders(reply: FastifyReply, headers: RateLimitOutcome['headers']): void {
  appendHeader(reply, 'RateLimit-Policy', headers['RateLimit-Policy']);
  appendHeader(reply, 'RateLimit', headers.RateLimit);
}

function appendHeader(reply: FastifyReply, name: string, value: string): void {
  const previous = reply.getHeader(name);
  reply.header(name, previous === undefined ? value : `${String(previous)}, ${value}`);
}

export default fp(protectPlugin, { name: 'rampart-protect', fastify: '5.x' });
