import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { htmlPolicy } from '../http/security-headers.js';

/**
 * Where `npm run build` puts the SPA (vite.config.ts): `<package>/dist/ui`. This file is
 * `src/dashboard/` in development and `dist/dashboard/` once built, two levels below the
 * package either way.
 */
export const dashboardBuildDir = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

export interface DashboardOptions {
  /** The built SPA (default {@link dashboardBuildDir}). */
  root?: string;
}

const immutable = 'public, max-age=31536000, immutable';

/**
 * Serves the dashboard at `/ui/`: hashed assets cached for a year (their names change
 * with their content), `index.html` revalidated on every load so a new release shows at
 * once. The page's policy is the server's HTML CSP (`default-src 'self'`): the build
 * emits no inline script or style. The SPA routes in the URL fragment (`/ui/#/audit`),
 * so the server knows two pages only: `/ui/` and `/ui/reset-password` (the link in
 * password reset emails).
 */
export const dashboardPlugin: FastifyPluginAsync<DashboardOptions> = async (app, options) => {
  const root = options.root ?? dashboardBuildDir;
  if (!existsSync(`${root}/index.html`)) {
    app.log.warn({ root }, 'dashboard not built (npm run build): /ui is not served');
    return;
  }
  // The page's policy on every response here, 304s included: a revalidated index.html
  // answers 304 with no content type, and a browser adopts the 304's headers, so the
  // server's per-type choice (an API's `default-src 'none'`) would block the page's own
  // scripts after a reload. Scoped to this plugin; a policy on a script file is inert.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('content-security-policy', htmlPolicy);
    done();
  });
  await app.register(fastifyStatic, {
    root,
    prefix: '/ui/',
    index: false,
    cacheControl: false,
    etag: true,
    lastModified: false,
    dotfiles: 'deny',
    schemaHide: true,
    setHeaders(reply, path) {
      reply.header('cache-control', path.includes('/assets/') ? immutable : 'no-cache');
    },
  });
  const page = (_request: FastifyRequest, reply: FastifyReply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html');
  app.get('/ui', { schema: { hide: true } }, (_request, reply) => reply.redirect('/ui/', 302));
  app.get('/ui/', { schema: { hide: true } }, page);
  app.get('/ui/reset-password', { schema: { hide: true } }, page);
};
