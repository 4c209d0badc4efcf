import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { redactForLog } from '../dataprotect/core/redaction.js';
import { isRampartError, RampartError } from '../errors/rampart-error.js';
import { storageErrors } from '../storage/errors.js';
import { httpErrors } from './errors.js';
import { problemContentType, toProblem } from './problem.js';

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

function validationErrors(error: FastifyError): { in: string; path: string; message: string }[] {
  const part = error.validationContext ?? 'body';
  const issues = (error.validation ?? []) as ValidationIssue[];
  const out: { in: string; path: string; message: string }[] = [];
  for (const issue of issues) {
    if (issue.keyword === 'boolean') continue; // the additionalProperties issue names the key
    let path = issue.instancePath ?? '';
    let message = issue.message ?? 'is invalid';
    const extra = issue.params?.additionalProperties;
    if (issue.keyword === 'additionalProperties' && Array.isArray(extra)) {
      for (const name of extra)
        out.push({ in: part, path: `${path}/${String(name)}`, message: 'is not allowed' });
      continue;
    }
    if (issue.keyword === 'required' && Array.isArray(issue.params?.requiredProperties)) {
      for (const name of issue.params.requiredProperties as unknown[]) {
        out.push({ in: part, path: `${path}/${String(name)}`, message: 'is required' });
      }
      continue;
    }
    if (path === '') path = '/';
    message = message.replace(/\s+/g, ' ').slice(0, 200);
    out.push({ in: part, path, message });
  }
  // One entry per field: a value failing two keywords (format and pattern) is one problem.
  // A union (a channel of one of several types) reports every variant's complaint: a field
  // the other variants lack "is not allowed" there, which must not hide what is wrong with
  // it in the variant that has it (a webhook secret too short).
  const byField = new Map<string, { in: string; path: string; message: string }>();
  for (const e of out) {
    const key = `${e.in}:${e.path}`;
    const seen = byField.get(key);
    if (!seen || (seen.message === 'is not allowed' && e.message !== 'is not allowed'))
      byField.set(key, e);
  }
  return [...byField.values()].slice(0, 50);
}

const connectionErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P03',
  '08006',
  '08001',
]);

/** Maps anything thrown during a request to a catalogue error. Unknown errors become `internal_error`. */
export function normalizeError(error: unknown): RampartError {
  if (isRampartError(error)) return error;
  const e = error as FastifyError & { code?: string };
  if (e && typeof e === 'object') {
    if (e.validation) {
      return new RampartError(httpErrors.validation_failed, {
        extensions: { errors: validationErrors(e) },
      });
    }
    switch (e.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return new RampartError(httpErrors.payload_too_large);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return new RampartError(httpErrors.unsupported_media_type);
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return new RampartError(httpErrors.invalid_json);
    }
    if (typeof e.code === 'string' && connectionErrorCodes.has(e.code)) {
      return new RampartError(storageErrors.storage_unavailable, { cause: error });
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return new RampartError(httpErrors.bad_request, { cause: error });
    }
  }
  return new RampartError(httpErrors.internal_error, { cause: error });
}

export interface ErrorHandlingOptions {
  publicUrl: string;
}

function pathOf(request: FastifyRequest): string {
  const url = request.raw.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  error: RampartError,
  publicUrl: string,
): FastifyReply {
  if (error.headers) reply.headers(error.headers);
  return reply
    .code(error.status)
    .type(problemContentType)
    .send(JSON.stringify(toProblem(error, publicUrl, pathOf(request), String(request.id))));
}

/**
 * Installs the last-resort error handler and the 404/405 handler. Every error response is
 * RFC 9457 problem+json with a stable `code` and the request id; 5xx responses carry a
 * generic message while the real error (stack, SQL) goes to the log only.
 */
export function registerErrorHandling(app: FastifyInstance, options: ErrorHandlingOptions): void {
  // A shadow router of every route's method and path, consulted only on a miss: it tells
  // a path that does not exist (404) from one that exists for other methods (405).
  const shadow = FindMyWay({ ignoreTrailingSlash: false });
  const methodsByPath = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    // A catch-all (the CORS plugin's OPTIONS route for preflights) would make every
    // unknown path look like an existing one and turn each 404 into a 405.
    if (route.url === '*' || route.url === '/*') return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const set = methodsByPath.get(route.url) ?? new Set<string>();
      if (!methodsByPath.has(route.url)) {
        methodsByPath.set(route.url, set);
        shadow.on('GET', route.url, () => {}, { allowed: set });
      }
      set.add(method);
    }
  });

  app.setNotFoundHandler((request, reply) => {
    const match = shadow.find('GET' as HTTPMethod, pathOf(request));
    const allowed = (match?.store as { allowed?: Set<string> } | undefined)?.allowed;
    if (allowed && allowed.size > 0 && !allowed.has(request.method)) {
      const allow = [...allowed].sort().join(', ');
      return sendProblem(
        reply,
        request,
        new RampartError(httpErrors.method_not_allowed, { headers: { Allow: allow } }),
        options.publicUrl,
      );
    }
    return sendProblem(reply, request, new RampartError(httpErrors.not_found), options.publicUrl);
  });

  app.setErrorHandler((error, request, reply) => {
    const normalized = normalizeError(error);
    if (normalized.status >= 500) {
      request.log.error({ err: error, code: normalized.code }, 'request failed');
    } else if (normalized.context) {
      // Context is spread to the top of the line: classify it (refusals only, off the fast path).
      request.log.info(
        redactForLog({ code: normalized.code, ...normalized.context }),
        'request refused',
      );
    }
    return sendProblem(reply, request, normalized, options.publicUrl);
  });
}
