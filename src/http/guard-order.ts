import type { RouteOptions } from 'fastify';

const callerGuard = Symbol.for('rampart.callerGuard');

type Hook = (...args: never[]) => unknown;

/**
 * Marks a route guard that authenticates or authorizes the caller (the Authenticator's
 * requireUser, requireCaller, requireRole, requirePermission and requireSignature).
 */
export function markCallerGuard<T extends Hook>(guard: T): T {
  (guard as unknown as Record<symbol, boolean>)[callerGuard] = true;
  return guard;
}

/** A route's hook option (`preHandler`, `preValidation`…) as a list, empty when unset. */
export function hookList<T>(option: T | readonly T[] | undefined): T[] {
  return option === undefined ? [] : Array.isArray(option) ? [...option] : [option as T];
}

function isCallerGuard(hook: unknown): boolean {
  return (
    typeof hook === 'function' && (hook as unknown as Record<symbol, unknown>)[callerGuard] === true
  );
}

/**
 * `onRoute`: runs a route's caller guards in `preValidation` instead of `preHandler`, so a
 * caller who may not use the route is answered 401 or 403 before the body, query and
 * parameters are judged, never a 400 that describes the schema to them. The body is already
 * parsed then (a signed request's body digest is known). The hooks listed before the last
 * guard move with it, in order (the gateway reads a signed body before checking its
 * signature); the ones after it (step-up, approvals) stay in `preHandler`, after validation.
 */
export function runCallerGuardsBeforeValidation(route: RouteOptions): void {
  const hooks = hookList(route.preHandler);
  const last = hooks.findLastIndex(isCallerGuard);
  if (last === -1) return;
  route.preValidation = [
    ...hookList(route.preValidation),
    ...hooks.slice(0, last + 1),
  ] as RouteOptions['preValidation'];
  const rest = hooks.slice(last + 1);
  route.preHandler = (rest.length === 0 ? undefined : rest) as RouteOptions['preHandler'];
}
