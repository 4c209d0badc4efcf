import type { FastifyPluginCallback } from 'fastify';
import fp from 'fastify-plugin';
import { RampartError } from '../../errors/rampart-error.js';
import { responseErrors } from './errors.js';
import type { ReadOnlyMode } from './read-only-mode.js';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * What stays reachable in read-only mode besides safe methods: the admin switch that
 * turns it off, and the sign-in steps an administrator needs to reach it.
 */
export const readOnlyExemptRoutes: ReadonlySet<string> = new Set([
  'DELETE /v1/admin/read-only',
  'POST /v1/auth/login',
  'POST /v1/auth/login/mfa',
  'POST /v1/auth/login/mfa/enroll',
  'POST /v1/auth/login/mfa/activate',
  'POST /v1/auth/refresh',
  'POST /v1/auth/logout',
]);

export interface ReadOnlyPluginOptions {
  mode: ReadOnlyMode;
}

/** Refuses unsafe methods with 503 `read_only_mode` while read-only mode is on. */
const readOnlyPlugin: FastifyPluginCallback<ReadOnlyPluginOptions> = (app, { mode }, done) => {
  // Synchronous: a field read on every request while the mode is off.
  app.addHook('onRequest', (request, _reply, next) => {
    if (!mode.enabled || safeMethods.has(request.method)) return next();
    if (readOnlyExemptRoutes.has(`${request.method} ${request.routeOptions.url ?? ''}`))
      return next();
    next(new RampartError(responseErrors.read_only_mode));
  });
  done();
};

export default fp(readOnlyPlugin, { name: 'rampart-read-only', fastify: '5.x' });
