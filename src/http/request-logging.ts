import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { redactCredentialsIn } from '../monitor/logging/log-redaction.js';
import { RequestLogger, routePatternOf } from '../monitor/logging/request-logger.js';
import { percentDecoded } from '../shared/percent-decoded.js';
import { onRouterRefusal } from './router-refusals.js';

// Query parameters whose values are credentials by name; their values never reach logs.
const sensitiveParam = /(token|key|secret|password|passwd|code|signature|session|auth|credential)/i;

/**
 * The URL as logged: the path, and the query with sensitive values replaced: those of a
 * parameter named like a credential, and any value holding an API key or a JWT, however
 * it was percent-encoded (a key encoded twice would pass the log's own censoring).
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const parts: string[] = [];
  for (const [name, value] of params) {
    parts.push(
      `${encodeURIComponent(name)}=${sensitiveParam.test(name) || holdsCredential(value) ? '[redacted]' : encodeURIComponent(value)}`,
    );
  }
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

function holdsCredential(value: string): boolean {
  const decoded = value.includes('%') ? percentDecoded(value) : value;
  return redactCredentialsIn(decoded) !== decoded;
}

/**
 * One log line per request, written when the response is done: request id (bound by
 * Fastify as `reqId`), method, route pattern, redacted URL, status, latency and the
 * authenticated principal. Headers and bodies are never logged.
 */
export function registerRequestLogging(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    writeRequestLog(request, reply);
    done();
  });
  onRouterRefusal(app, writeRequestLog);
}

function writeRequestLog(request: FastifyRequest, reply: FastifyReply): void {
  const status = reply.statusCode;
  const rawUrl = request.raw.url ?? '/';
  const line: Record<string, unknown> = {
    method: request.method,
    route: routePatternOf(request) ?? null,
    url: rawUrl.includes('?') ? redactUrl(rawUrl) : rawUrl,
    status,
    ms: Math.round(reply.elapsedTime * 100) / 100,
    ip: request.ip,
  };
  if (request.principal) line.principal = request.principal.id;
  const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
  const log = request.log;
  // One flat call with the request's bindings inline: no child logger for this line.
  if (log instanceof RequestLogger) log.writeLine(level, line, 'request');
  else log[level](line, 'request');
}
