import type { FastifyReply, FastifyRequest } from 'fastify';

export interface SecurityHeaderOptions {
  /** HSTS is sent only when clients reach us over https. */
  https: boolean;
}

export interface SecurityHeaders {
  /** Sets the headers every response carries (call when a request arrives). */
  apply(request: FastifyRequest, reply: FastifyReply): void;
  /**
   * Adjusts them to the response's media type, and keeps an authenticated caller's
   * response out of caches (call just before sending).
   */
  adjust(reply: FastifyReply): void;
}

const apiPolicy = "default-src 'none'; frame-ancestors 'none'";
/** The policy of every HTML page Rampart serves (the dashboard sets it on each of its files). */
export const htmlPolicy =
  "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/**
 * Security headers on every response, from a precomputed list (a handful of header
 * writes; @fastify/helmet would add a middleware layer and page-oriented headers to every
 * JSON response). HTML gets a `default-src 'self'` policy; every other response a policy
 * that allows nothing, since an API response is never a page. Applied by the server's
 * single onRequest/onSend pair (server.ts), not hooks of its own: each hook is a cost on
 * every request.
 */
export function createSecurityHeaders(options: SecurityHeaderOptions): SecurityHeaders {
  const headers: [string, string][] = [
    ['x-content-type-options', 'nosniff'],
    ['x-frame-options', 'DENY'],
    ['referrer-policy', 'no-referrer'],
    ['cross-origin-opener-policy', 'same-origin'],
    ['cross-origin-resource-policy', 'same-origin'],
    ['x-permitted-cross-domain-policies', 'none'],
    ['content-security-policy', apiPolicy],
  ];
  if (options.https)
    headers.push(['strict-transport-security', 'max-age=31536000; includeSubDomains']);
  // Two flat arrays and an index: no iterator and no destructuring per header per request.
  const names = headers.map(([name]) => name);
  const values = headers.map(([, value]) => value);
  return {
    apply(request, reply) {
      for (let i = 0; i < names.length; i++) reply.header(names[i] as string, values[i]);
      reply.header('x-request-id', request.id);
    },
    adjust(reply) {
      // A response to an authenticated caller is about that caller (an account, its keys,
      // its sessions, the audit trail): no browser or proxy cache may keep it (OWASP REST
      // Security; ASVS 4.0.3 V8.2.1). A route that decides its own caching keeps it; the
      // gateway passes on the upstream's.
      if (reply.request.principal && !reply.hasHeader('cache-control')) {
        reply.header('cache-control', 'no-store');
      }
      const type = reply.getHeader('content-type');
      // A page that sets its own stricter, hash-based policy (the API docs) keeps it.
      if (
        typeof type === 'string' &&
        type.startsWith('text/html') &&
        reply.getHeader('content-security-policy') === apiPolicy
      ) {
        reply.header('content-security-policy', htmlPolicy);
      }
    },
  };
}
