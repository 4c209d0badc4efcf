import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { EventPublisher } from '../../events/event-bus.js';
import { findSecretsInPayload } from './core/payload-scan.js';
import { SecretMatcher } from './core/secret-matcher.js';

export interface SecretScanPluginOptions {
  /** `METHOD /route` entries (secretScan.routes): a Fastify route pattern or a prefix ending in `*`. */
  routes: readonly string[];
  events: EventPublisher;
  matcher?: SecretMatcher;
}

interface RouteSelector {
  method: string;
  path: string;
  prefix: boolean;
}

function parseSelector(entry: string): RouteSelector {
  const [method = '*', path = '/'] = entry.trim().split(/\s+/, 2);
  const prefix = path.endsWith('*');
  return { method: method.toUpperCase(), path: prefix ? path.slice(0, -1) : path, prefix };
}

/** True when a route (method, registered URL pattern) is one the config asks to scan. */
export function routeSelected(selectors: readonly RouteSelector[], method: string, url: string) {
  return selectors.some(
    (s) =>
      (s.method === '*' || s.method === method) &&
      (s.prefix ? url.startsWith(s.path) : url === s.path),
  );
}

/**
 * Runtime secret scanning: the bodies of chosen routes are scanned after parsing, and
 * each secret found becomes one `secret.detected` event with the rule and redacted
 * evidence (never the secret). The request goes on: a caller sending its own token in a
 * ticket body is a fact to report, not a reason to lose the ticket. Requests a guard
 * refuses before the body is scanned are not scanned.
 *
 * Only the chosen routes get the hook (added when they are registered), so every other
 * route pays nothing. Register before the routes it should cover.
 */
async function secretScanPlugin(app: FastifyInstance, options: SecretScanPluginOptions) {
  const selectors = options.routes.map(parseSelector);
  if (selectors.length === 0) return;
  const matcher = options.matcher ?? new SecretMatcher();

  const scanBody: preHandlerHookHandler = function scanBodyForSecrets(request, _reply, done) {
    const findings = findSecretsInPayload(matcher, request.body);
    if (findings.length === 0) return done();
    const ua = request.headers['user-agent'];
    const route = request.routeOptions.url ?? request.url;
    const principal = (request as { principal?: { kind: 'user' | 'api_key'; id: string } | null })
      .principal;
    Promise.all(
      findings.map((f) =>
        options.events.publish({
          type: 'secret.detected',
          outcome: 'success',
          actor: {
            ...(principal ? { kind: principal.kind, id: principal.id } : { kind: 'anonymous' }),
            ip: request.ip,
            ...(typeof ua === 'string' ? { userAgent: ua.slice(0, 512) } : {}),
          },
          target: { type: 'route', id: `${request.method} ${route}` },
          requestId: String(request.id),
          details: {
            rule: f.ruleId,
            evidence: f.evidence,
            entropy: f.entropy,
            source: 'request_body',
          },
        }),
      ),
    ).then(
      () => done(),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  };

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => routeSelected(selectors, m.toUpperCase(), route.url))) return;
    const own = route.preHandler;
    // Last: after the route's authentication, so only accepted callers are scanned (an
    // anonymous flood cannot fill the audit trail) and the event names the caller.
    route.preHandler = [...(own === undefined ? [] : Array.isArray(own) ? own : [own]), scanBody];
  });
}

export default fp(secretScanPlugin, { name: 'rampart-secret-scan', fastify: '5.x' });
