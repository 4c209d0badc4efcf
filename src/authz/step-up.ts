import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { RampartError } from '../errors/rampart-error.js';
import type { EventPublisher } from '../events/event-bus.js';
import { requestContext } from '../identity/authenticate.js';
import { userActor } from '../identity/core/request-context.js';
import { identityErrors } from '../identity/errors.js';
import { authzErrors } from './errors.js';

export interface StepUpOptions {
  /** Seconds since the MFA login (the token's `auth_time`) within which the request passes. */
  maxAgeSeconds: number;
  /** Records each refusal as `authz.step_up.required`. */
  events?: EventPublisher;
  now?: () => number;
}

/** True when the caller signed in with a second factor within `maxAgeSeconds`. */
export function hasRecentMfa(request: FastifyRequest, maxAgeSeconds: number, nowMs: number) {
  const p = request.principal;
  return (
    p?.kind === 'user' &&
    p.amr.includes('mfa') &&
    p.authTime !== undefined &&
    nowMs / 1000 - p.authTime <= maxAgeSeconds
  );
}

/**
 * preHandler factory, placed after an authentication guard: the caller must have signed
 * in with MFA (`amr` holds `mfa`) within the last `maxAgeSeconds` (`auth_time`), else
 * 401 `step_up_required` with the challenge of RFC 9470 §3 (`insufficient_user_authentication`
 * and `max_age`) so the client signs in again with MFA. An API key cannot step up.
 *
 * @example
 * app.delete('/v1/things/:id', {
 *   preHandler: [auth.requireRole('ADMIN'), requireStepUp({ maxAgeSeconds: 300 })],
 * }, handler);
 */
export function requireStepUp(options: StepUpOptions): preHandlerAsyncHookHandler {
  const maxAge = options.maxAgeSeconds;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(maxAge) || maxAge <= 0)
    throw new Error('requireStepUp: maxAgeSeconds must be a positive integer');
  return async function requireStepUp(request) {
    const p = request.principal;
    if (!p) throw new RampartError(identityErrors.authentication_required);
    if (hasRecentMfa(request, maxAge, now())) return;
    const ctx = requestContext(request);
    await options.events?.publish({
      type: 'authz.step_up.required',
      outcome: 'denied',
      actor:
        p.kind === 'api_key'
          ? { kind: 'api_key', id: p.keyId, ip: request.ip }
          : userActor(p.id, ctx),
      target: { type: 'route', id: `${request.method} ${request.routeOptions.url ?? ''}` },
      requestId: ctx.requestId,
      details: { maxAgeSeconds: maxAge, reason: p.kind === 'api_key' ? 'api_key' : 'mfa_stale' },
    });
    throw new RampartError(authzErrors.step_up_required, {
      detail: `Sign in again with a second factor; this operation accepts an MFA login of the last ${maxAge} seconds.`,
      extensions: { maxAgeSeconds: maxAge, acrValues: 'mfa' },
      headers: {
        'WWW-Authenticate': `Bearer error="insufficient_user_authentication", error_description="A recent MFA login is required", max_age=${maxAge}`,
      },
    });
  };
}
