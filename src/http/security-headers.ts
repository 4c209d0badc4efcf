import type { FastifyInstance } from 'fastify';

export interface SecurityHeaderOptions {
  /** HSTS is sent only when clients reach us over https. */
  https: boolean;
}

/**
 * Security headers on every response, set from a precomputed list (a handful of header
 * writes per request; @fastify/helmet would add a middleware layer and headers meant for
 * HTML pages to every JSON response). HTML gets a `default-src 'self'` policy; every
 * other response a policy that allows nothing, since an API response is never a page.
 */
export function registerSecurityHeaders(
  app: FastifyInstance,
  options: SecurityHeaderOptions,
): void {
  const headers: [string, string][] = [
    ['x-content-type-options', 'nosniff'],
    ['x-frame-options', 'DENY'],
    ['referrer-policy', 'no-referrer'],
    ['cross-origin-opener-policy', 'same-origin'],
    ['cross-origin-resource-policy', 'same-origin'],
    ['x-permitted-cross-domain-policies', 'none'],
    ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
  ];
  if (options.https)
    headers.push(['strict-transport-security', 'max-age=31536000; includeSubDomains']);
  const htmlPolicy =
    "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

  const defaultPolicy = headers[headers.length - 1]?.[1];
  // Callback-style hooks: an async hook costs a promise per request on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    for (const [name, value] of headers) reply.header(name, value);
    reply.header('x-request-id', request.id);
    done();
  });

  app.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    // A page that sets its own stricter, hash-based policy (the API docs) keeps it.
    if (
      typeof type === 'string' &&
      type.startsWith('text/html') &&
      reply.getHeader('content-security-policy') === defaultPolicy
    ) {
      reply.header('content-security-policy', htmlPolicy);
    }
    done(null, payload);
  });
}
