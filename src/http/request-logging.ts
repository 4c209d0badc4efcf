import type { FastifyInstance } from 'fastify';

// Query parameters whose values are credentials by name; their values never reach logs.
const sensitiveParam = /(token|key|secret|password|passwd|code|signature|session|auth|credential)/i;

/** The URL as logged: the path, and the query with sensitive values replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const parts: string[] = [];
  for (const [name, value] of params) {
    parts.push(
      `${encodeURIComponent(name)}=${sensitiveParam.test(name) ? '[redacted]' : encodeURIComponent(value)}`,
    );
  }
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

/**
 * One log line per request, written when the response is done: request id (bound by
 * Fastify as `reqId`), method, route pattern, redacted URL, status, latency and the
 * authenticated principal. Headers and bodies are never logged.
 */
export function registerRequestLogging(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? null,
      url: redactUrl(request.raw.url ?? '/'),
      status,
      ms: Math.round(reply.elapsedTime * 100) / 100,
      ip: request.ip,
      ...(request.principal ? { principal: request.principal.id } : {}),
    };
    if (status >= 500) request.log.error(line, 'request');
    else if (status >= 400) request.log.warn(line, 'request');
    else request.log.info(line, 'request');
    done();
  });
}
