import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { clientNetwork } from '../identity/core/client-network.js';
import type { Principal } from '../identity/principal.js';
import type { RateLimitPolicies, RateLimitPolicy, RoutePolicy } from './core/rate-limit-policy.js';
import type { RateLimiter } from './core/rate-limiter.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's rate-limit policy, stamped at registration; null when exempt. */
    rampartRateLimit?: RoutePolicy;
  }
}

export interface ProtectPluginOptions {
  policies: RateLimitPolicies;
  limiter: RateLimiter;
}

function subjectOf(
  request: FastifyRequest,
  route: string | undefined,
  principal: Principal | null,
) {
  return {
    network: clientNetwork(request.ip),
    method: request.method,
    route,
    principal:
      principal === null
        ? null
        : principal.kind === 'user'
          ? { kind: 'user' as const, id: principal.id }
          : { kind: 'api_key' as const, id: principal.id, keyId: principal.keyId },
  };
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
 * Rate limits as Fastify hooks. Each route's policy is looked up once, when the route is
 * registered, and stamped on its config. A policy keyed by client network or route is
 * decided in `onRequest`, before the body is read or anyone is authenticated; a policy
 * keyed by user or API key needs `request.principal`, so it is appended as the route's
 * last preHandler and runs after the route's own authentication preHandler. Requests that
 * match no route (404) are counted under the default policy in `onRequest`.
 *
 * Register before the routes it should cover (it sees only routes registered after it).
 */
async function protectPlugin(app: FastifyInstance, options: ProtectPluginOptions): Promise<void> {
  const { policies, limiter } = options;
  if (!app.hasRequestDecorator('principal')) app.decorateRequest('principal', null);

  // Callback-style hooks: an async hook costs a promise on every request, and a decision
  // in memory is synchronous.
  function enforce(
    policy: RateLimitPolicy,
    route: string | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    done: (error?: Error) => void,
  ): void {
    let outcome: ReturnType<RateLimiter['check']>;
    try {
      outcome = limiter.check(
        policy,
        subjectOf(request, route, policy.afterAuth ? request.principal : null),
        contextOf(request),
      );
    } catch (error) {
      done(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (outcome instanceof Promise) {
      outcome.then(
        (settled) => {
          reply.headers(settled.headers);
          done();
        },
        (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
      );
      return;
    }
    reply.headers(outcome.headers);
    done();
  }

  const afterAuthentication: preHandlerHookHandler = function rateLimitAfterAuth(
    request,
    reply,
    done,
  ) {
    // routeOptions is built afresh on every read: read it once.
    const options = request.routeOptions;
    const policy = options.config.rampartRateLimit;
    if (!policy) return done();
    enforce(policy, options.url, request, reply, done);
  };

  app.addHook('onRoute', (route) => {
    // One route, one policy: a route registered for several methods takes the policy of
    // its first method (an entry can name a method only when the route is registered alone).
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const policy = policies.forRoute(methods[0] ?? 'GET', route.url ?? route.path);
    route.config = { ...route.config, rampartRateLimit: policy ?? null };
    if (policy?.afterAuth) {
      const own = route.preHandler;
      route.preHandler = [
        ...(own === undefined ? [] : Array.isArray(own) ? own : [own]),
        afterAuthentication,
      ];
    }
  });

  app.addHook('onRequest', (request, reply, done) => {
    const options = request.routeOptions;
    const stamped = options.config.rampartRateLimit;
    // Not stamped: no route matched (404), or a route registered before this plugin.
    const policy = stamped === undefined ? policies.default : stamped;
    if (!policy || (policy.afterAuth && stamped !== undefined)) return done();
    enforce(policy, options.url, request, reply, done);
  });
}

export default fp(protectPlugin, { name: 'rampart-protect', fastify: '5.x' });
