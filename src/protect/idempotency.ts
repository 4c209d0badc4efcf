import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onResponseHookHandler,
  onSendHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import { sealedContexts } from '../dataprotect/core/associated-data.js';
import { SealError, type Sealer } from '../dataprotect/core/sealer.js';
import { defineErrors, RampartError } from '../errors/rampart-error.js';
import { hashSecretToken } from '../identity/core/secret-token.js';
import type { ExpiringSetStore, ExpiringValueStore } from '../storage/hot-state.js';

export const idempotencyErrors = defineErrors({
  idempotency_key_invalid: {
    status: 400,
    title: 'Idempotency-Key invalid',
    description: 'The Idempotency-Key header must be 1 to 255 visible ASCII characters.',
  },
  idempotency_key_reused: {
    status: 422,
    title: 'Idempotency-Key reused',
    description:
      'This Idempotency-Key was already used on this endpoint with a different request body. Use a new key for a new request.',
  },
  idempotency_in_progress: {
    status: 409,
    title: 'Request in progress',
    description:
      'A request with this Idempotency-Key is still being processed. Retry after the time in Retry-After to get its response.',
  },
});

/** Response headers replayed with a stored response. */
const replayedHeaders = ['content-type', 'location', 'cache-control', 'content-language'];
const keyPattern = /^[\x21-\x7e]{1,255}$/;

interface StoredResponse {
  fingerprint: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Pending {
  key: string;
  fingerprint: string;
  stored: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: Pending | null;
  }
  interface FastifyContextConfig {
    /** false: the route opts out (a gateway route that streams its body unparsed). */
    rampartIdempotency?: boolean;
  }
}

export interface IdempotencyOptions {
  sets: ExpiringSetStore;
  values: ExpiringValueStore;
  sealer: Sealer;
  /** How long a response is kept for retries (default 24 h). */
  ttlMs: number;
  /** Responses larger than this are not kept (the key is released instead). */
  maxBodyBytes: number;
}

/**
 * `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header) on authenticated POST and
 * PATCH requests: the first response (status, headers, body) is kept for `ttlMs` per
 * principal + key + route, and a retry gets it back (`Idempotent-Replayed: true`). The
 * same key with another body is 422; a retry while the first is still running is 409.
 *
 * The claim on a key is an atomic first-sight add in the hot store, so two nodes cannot
 * both run the request. Kept responses are sealed with the master key: a response may
 * carry a secret shown once (a new API key), and a retry must see it, but the hot store
 * must not. 5xx, 409 and 429 answers are not kept: the key is released for a real retry.
 * Anonymous requests carry no principal to scope a key to, so the header is ignored there.
 */
function idempotencyPlugin(
  app: FastifyInstance,
  o: IdempotencyOptions,
  done: (err?: Error) => void,
): void {
  if (!app.hasRequestDecorator('idempotency')) app.decorateRequest('idempotency', null);

  const check: preHandlerAsyncHookHandler = async function idempotency(
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    const header = request.headers['idempotency-key'];
    if (header === undefined || !request.principal) return;
    if (typeof header !== 'string' || !keyPattern.test(header)) {
      throw new RampartError(idempotencyErrors.idempotency_key_invalid);
    }
    const p = request.principal;
    const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
    const key = hashSecretToken(
      `${p.kind}:${p.id}:${p.kind === 'api_key' ? p.keyId : ''}:${route}:${header}`,
    );
    const fingerprint = hashSecretToken(JSON.stringify(request.body ?? null));
    const ad = sealedContexts.idempotentResponse(key);
    if (await o.sets.add(`idem:lock:${key}`, o.ttlMs)) {
      await o.values.set(`idem:req:${key}`, fingerprint, o.ttlMs);
      request.idempotency = { key, fingerprint, stored: false };
      return;
    }
    const sealed = await o.values.get(`idem:res:${key}`);
    if (sealed === undefined) {
      const running = await o.values.get(`idem:req:${key}`);
      if (running !== undefined && running !== fingerprint) {
        throw new RampartError(idempotencyErrors.idempotency_key_reused);
      }
      throw new RampartError(idempotencyErrors.idempotency_in_progress, {
        headers: { 'Retry-After': '1' },
      });
    }
    let stored: StoredResponse;
    try {
      stored = JSON.parse(o.sealer.open(sealed, ad).toString('utf8')) as StoredResponse;
    } catch (error) {
      if (!(error instanceof SealError)) throw error;
      // Sealed by a master key no longer configured (dropped less than `ttlMs` after a
      // master key rotation): the response is lost, so the key behaves as if it had
      // expired. It is claimed again first, so two such retries still run once.
      await o.values.delete(`idem:res:${key}`);
      await o.sets.remove(`idem:lock:${key}`);
      if (!(await o.sets.add(`idem:lock:${key}`, o.ttlMs))) {
        throw new RampartError(idempotencyErrors.idempotency_in_progress, {
          headers: { 'Retry-After': '1' },
        });
      }
      await o.values.set(`idem:req:${key}`, fingerprint, o.ttlMs);
      request.idempotency = { key, fingerprint, stored: false };
      return;
    }
    if (stored.fingerprint !== fingerprint) {
      throw new RampartError(idempotencyErrors.idempotency_key_reused);
    }
    for (const [name, value] of Object.entries(stored.headers)) reply.header(name, value);
    reply.header('idempotent-replayed', 'true');
    await reply.code(stored.status).send(stored.body);
    return reply;
  };

  // Keeps the first response for retries.
  const keepResponse: onSendHookHandler = (request, reply, payload, next) => {
    if (!request.idempotency || request.idempotency.stored) return next(null, payload);
    keep(request.idempotency, reply, payload).then(() => next(null, payload), next);
  };

  async function keep(pending: Pending, reply: FastifyReply, payload: unknown): Promise<void> {
    const status = reply.statusCode;
    const worthKeeping =
      status < 500 &&
      status !== 409 &&
      status !== 429 &&
      typeof payload === 'string' &&
      Buffer.byteLength(payload) <= o.maxBodyBytes;
    if (!worthKeeping || typeof payload !== 'string') return;
    const headers: Record<string, string> = {};
    for (const name of replayedHeaders) {
      const v = reply.getHeader(name);
      if (typeof v === 'string') headers[name] = v;
    }
    const record: StoredResponse = {
      fingerprint: pending.fingerprint,
      status,
      headers,
      body: payload,
    };
    await o.values.set(
      `idem:res:${pending.key}`,
      o.sealer.seal(JSON.stringify(record), sealedContexts.idempotentResponse(pending.key)),
      o.ttlMs,
    );
    pending.stored = true;
  }

  // Not kept (a 5xx, a stream, an aborted request): release the key for a real retry.
  const releaseUnkept: onResponseHookHandler = (request, _reply, next) => {
    const pending = request.idempotency;
    if (!pending || pending.stored) return next();
    Promise.all([
      o.sets.remove(`idem:lock:${pending.key}`),
      o.values.delete(`idem:req:${pending.key}`),
    ]).then(() => next(), next);
  };

  // Route-level, after the route's own authentication: the key is scoped to the principal.
  // Only the routes that can claim a key get the hooks (callback style): a GET pays nothing.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => m === 'POST' || m === 'PATCH')) return;
    if (route.config?.rampartIdempotency === false) return;
    route.preHandler = [...hooksOf(route.preHandler), check];
    route.onSend = [...hooksOf(route.onSend), keepResponse];
    route.onResponse = [...hooksOf(route.onResponse), releaseUnkept];
  });

  done();
}

/** A route option's hooks as an array (a route may give one hook, several or none). */
function hooksOf<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

export default fp(idempotencyPlugin, { name: 'rampart-idempotency', fastify: '5.x' });
