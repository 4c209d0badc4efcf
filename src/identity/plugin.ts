import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Authenticator } from './authenticate.js';
import type { AccountService } from './core/account-service.js';
import type { LoginService } from './core/login-service.js';
import type { MfaService } from './core/mfa-service.js';
import type { SessionService } from './core/session-service.js';
import type { SigningKeyRing } from './core/signing-key-ring.js';
import type { SigningKeyService } from './core/signing-key-service.js';
import { authRoutes } from './routes/auth.routes.js';
import { inviteRoutes } from './routes/invites.routes.js';
import { meRoutes } from './routes/me.routes.js';
import { mfaRoutes } from './routes/mfa.routes.js';
import { sessionRoutes } from './routes/sessions.routes.js';
import { signingKeyRoutes } from './routes/signing-keys.routes.js';
import { wellKnownRoutes } from './routes/well-known.routes.js';

export interface IdentityPluginOptions {
  accounts: AccountService;
  login: LoginService;
  sessions: SessionService;
  auth: Authenticator;
  ring: SigningKeyRing;
  signingKeys: SigningKeyService;
  mfa: MfaService;
  issuer: string;
  publicUrl: string;
  algorithm: string;
}

/**
 * The identity capability over HTTP: registration, login, the current account,
 * MFA, invitations, signing-key rotation and discovery (JWKS, RFC 8414 metadata).
 */
async function identityPlugin(app: FastifyInstance, options: IdentityPluginOptions): Promise<void> {
  if (!app.hasRequestDecorator('principal')) app.decorateRequest('principal', null);
  await app.register(authRoutes, {
    accounts: options.accounts,
    login: options.login,
    sessions: options.sessions,
    auth: options.auth,
  });
  await app.register(sessionRoutes, {
    sessions: options.sessions,
    accounts: options.accounts,
    login: options.login,
    auth: options.auth,
  });
  await app.register(meRoutes, { accounts: options.accounts, auth: options.auth });
  await app.register(mfaRoutes, { mfa: options.mfa, auth: options.auth });
  await app.register(inviteRoutes, { accounts: options.accounts, auth: options.auth });
  await app.register(signingKeyRoutes, { signingKeys: options.signingKeys, auth: options.auth });
  await app.register(wellKnownRoutes, {
    ring: options.ring,
    issuer: options.issuer,
    publicUrl: options.publicUrl,
    algorithm: options.algorithm,
  });
}

export default fp(identityPlugin, { name: 'rampart-identity', fastify: '5.x' });
