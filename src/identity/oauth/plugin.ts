import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Authenticator } from '../authenticate.js';
import type { IdentityLinks } from './core/identity-links.js';
import type { OAuthLoginService } from './core/oauth-login-service.js';
import type { ProviderAdmin } from './core/provider-admin.js';
import type { ProviderRegistry } from './core/provider-registry.js';
import { identityRoutes } from './routes/identities.routes.js';
import { oauthLoginRoutes } from './routes/oauth-login.routes.js';
import { providerRoutes } from './routes/providers.routes.js';

export interface OAuthPluginOptions {
  login: OAuthLoginService;
  links: IdentityLinks;
  admin: ProviderAdmin;
  providers: ProviderRegistry;
  auth: Authenticator;
  publicUrl: string;
  /** Seconds a started sign-in stays valid (the state cookie's Max-Age). */
  stateTtl: number;
  /** Seconds a session lives at most (the refresh cookie's Max-Age). */
  sessionLifetime: number;
  defaultReturnPath: string;
}

/** Social login over HTTP: sign-in and callback, identity linking, provider administration. */
async function oauthPlugin(app: FastifyInstance, o: OAuthPluginOptions): Promise<void> {
  await app.register(oauthLoginRoutes, {
    service: o.login,
    providers: o.providers,
    publicUrl: o.publicUrl,
    stateTtl: o.stateTtl,
    sessionLifetime: o.sessionLifetime,
    defaultReturnPath: o.defaultReturnPath,
  });
  await app.register(identityRoutes, {
    service: o.login,
    links: o.links,
    auth: o.auth,
    publicUrl: o.publicUrl,
    stateTtl: o.stateTtl,
    defaultReturnPath: o.defaultReturnPath,
  });
  await app.register(providerRoutes, { admin: o.admin, auth: o.auth });
}

export default fp(oauthPlugin, {
  name: 'rampart-oauth',
  fastify: '5.x',
  dependencies: ['rampart-identity'],
});
