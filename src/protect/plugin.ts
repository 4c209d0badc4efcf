import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { clientNetwork } from '../identity/core/client-network.js';
import type { Principal } from '../identity/principal.js';
import { routePatternOf } from '../monitor/logging/request-logger.js';
import type {
  LivePolicies,
  RateLimitPolicy,
  RateLimitSubject,
  RoutePolicies,
} from './core/rate-limit-policy.js';
import type { RateLimitContext, RateLimiter } from './core/rate-limiter.js';

export interface ProtectPluginOptions {
  policies: LivePolicies;
  limiter: RateLimiter;
}

/**
 * What one request's keys are built from, made once per list of policies. The network is
 * worked out on first use: a policy keyed by caller needs it only for anonymous requests.
 */
class RequestSubject implements RateLimitSubject {
  readonly method: string;
  readonly route: string | undefined;
  readonly principal: Principal | null;
  readonly #request: FastifyRequest;
  #network: string | undefined;

  constructor(request: FastifyRequest, route: string | undefined, principal: Principal | null) {
    this.#request = request;
    this.method = request.method;
    this.route = route;
    // The principal as it is: the key reads only kind, id and keyId.
    this.principal = principal;
  }

  get network(): string {
    this.#network ??= clientNetwork(this.#request.ip);
    return this.#network;
  }
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
 * the default) are looked up once per table, through the route's {@link RoutePolicies}
 * taken when the route is registered. A policy keyed by client network or route is decided in `onRequest`, before the
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
    route: string | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    done: (error?: Error) => void,
  ): void {
    // Every policy of one list is decided at the same moment, so with the same principal.
    const principal = (list[0] as RateLimitPolicy).afterAuth ? request.principal : null;
    const subject = new RequestSubject(request, route, principal);
    decide(list, 0, subject, () => contextOf(request), reply, done, '', '');
  }

  // The fields of the policies decided so far are added to the reply in one step, before
  // `done`: a refusal's error handler sees the reply as when they were added one by one.
  function decide(
    list: readonly RateLimitPolicy[],
    start: number,
    subject: RateLimitSubject,
    context: () => RateLimitContext,
    reply: FastifyReply,
    done: (error?: Error) => void,
    policyField: string,
    rateLimitField: string,
  ): void {
    for (let i = start; i < list.length; i++) {
      let outcome: ReturnType<RateLimiter['check']>;
      try {
        outcome = limiter.check(list[i] as RateLimitPolicy, subject, context);
      } catch (error) {
        finish(reply, policyField, rateLimitField, done, asError(error));
        return;
      }
      if (outcome instanceof Promise) {
        outcome.then(
          ({ headers }) =>
            decide(
              list,
              i + 1,
              subject,
              context,
              reply,
              done,
              listed(policyField, headers['RateLimit-Policy']),
              listed(rateLimitField, headers.RateLimit),
            ),
          (error: unknown) => finish(reply, policyField, rateLimitField, done, asError(error)),
        );
        return;
      }
      policyField = listed(policyField, outcome.headers['RateLimit-Policy']);
      rateLimitField = listed(rateLimitField, outcome.headers.RateLimit);
    }
    finish(reply, policyField, rateLimitField, done);
  }

  // Each route's plans are taken when the route is registered: a request reads its plan
  // from them without building a lookup key (they follow a replaced table at once).
  const afterAuthentication = (plans: RoutePolicies): preHandlerHookHandler =>
    function rateLimitAfterAuth(request, reply, done) {
      const plan = plans.planFor(request.method);
      if (plan.late.length === 0) return done();
      enforce(plan.late, plans.url, request, reply, done);
    };

  // Every route gets the late check: policies keyed by caller may be added at run time.
  app.addHook('onRoute', (route) => {
    const own = route.preHandler;
    route.preHandler = [
      ...(own === undefined ? [] : Array.isArray(own) ? own : [own]),
      afterAuthentication(policies.route(route.url)),
    ];
  });

  app.addHook('onRequest', (request, reply, done) => {
    const url = routePatternOf(request);
    // No route matched (404): the global and default policies.
    const plan =
      url === undefined ? policies.unmatched : policies.route(url).planFor(request.method);
    if (plan.early.length === 0) return done();
    enforce(plan.early, url, request, reply, done);
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Several policies make a list in one field (draft-ietf-httpapi-ratelimit-headers §3). */
function listed(field: string, value: string): string {
  return field === '' ? value : `${field}, ${value}`;
}

function finish(
  reply: FastifyReply,
  policyField: string,
  rateLimitField: string,
  done: (error?: Error) => void,
  error?: Error,
): void {
  if (policyField !== '') {
    appendHeader(reply, 'RateLimit-Policy', policyField);
    appendHeader(reply, 'RateLimit', rateLimitField);
  }
  done(error);
}

function appendHeader(reply: FastifyReply, name: string, value: string): void {
  const previous = reply.getHeader(name);
  reply.header(name, previous === undefined ? value : `${String(previous)}, ${value}`);
}

export default fp(protectPlugin, { name: 'rampart-protect', fastify: '5.x' });
