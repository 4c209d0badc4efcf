import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

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
