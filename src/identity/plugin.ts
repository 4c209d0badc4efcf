import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Authorizer } from '../authz/authorizer.js';
import { RampartError } from '../errors/rampart-error.js';
import type { EventPublisher } from '../events/event-bus.js';
import { apiKeyStringPattern } from '../shared/api-key-string.js';
import { percentDecoded } from '../shared/percent-decoded.js';
import { apiKeyErrors } from './api-key-errors.js';
import type { Authenticator } from './authenticate.js';
import cookieSession from './cookie-session.js';
import type { AccessTokenVerifier } from './core/access-token-verifier.js';
import type { AccountService } from './core/account-service.js';
import type { ApiKeyService } from './core/api-key-service.js';
import type { LoginService } from './core/login-service.js';
import type { MfaService } from './core/mfa-service.js';
import type { PasswordService } from './core/password-service.js';
import type { RevocationList } from './core/revocation-list.js';
import type { SessionService } from './core/session-service.js';
import type { SigningKeyRing } from './core/signing-key-ring.js';
import type { SigningKeyService } from './core/signing-key-service.js';
import { apiKeyRoutes } from './routes/api-keys.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { introspectionRoutes } from './routes/introspection.routes.js';
import { inviteRoutes } from './routes/invites.routes.js';
import { type MeRoutesOptions, meRoutes } from './routes/me.routes.js';
import { mfaRoutes } from './routes/mfa.routes.js';
import { passwordRoutes } from './routes/password.routes.js';
import { serviceAccountRoutes } from './routes/service-accounts.routes.js';
import { sessionRoutes } from './routes/sessions.routes.js';
import { signingKeyRoutes } from './routes/signing-keys.routes.js';
import { wellKnownRoutes } from './routes/well-known.routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Rampart's authentication hooks, for the embedding application's own routes. */
    rampartAuth: Authenticator;
  }
}

export interface IdentityPluginOptions {
  accounts: AccountService;
  login: LoginService;
  sessions: SessionService;
  passwords: PasswordService;
  auth: Authenticator;
  ring: SigningKeyRing;
  signingKeys: SigningKeyService;
  mfa: MfaService;
  issuer: string;
  publicUrl: string;
  /** Seconds a session lives at most (the refresh cookie's Max-Age). */
  sessionLifetime: number;
  algorithm: string;
  apiKeys: ApiKeyService;
  verifier: AccessTokenVerifier;
  revocations: RevocationList;
  events: EventPublisher;
  /** The authorization policy (effective roles in introspection); default: built-in roles. */
  authorizer?: Authorizer | undefined;
  /** Linked provider identities for GET /v1/me (set when social login is wired in). */
  identitiesOf?: MeRoutesOptions['identitiesOf'];
  /** The same, when cached: without a promise, else undefined. */
  identitiesOfNow?: MeRoutesOptions['identitiesOfNow'];
}

/**
 * The identity capability over HTTP: registration, login, the current account,
 * MFA, invitations, signing-key rotation and discovery (JWKS, RFC 8414 metadata).
 */
async function identityPlugin(app: FastifyInstance, options: IdentityPluginOptions): Promise<void> {
  if (!app.hasRequestDecorator('principal')) app.decorateRequest('principal', null);
  // Routes of an embedding application protect themselves with the same hooks:
  // `preHandler: app.rampartAuth.requireSignature('orders:write')`.
  app.decorate('rampartAuth', options.auth);
  await app.register(cookieSession, {
    publicUrl: options.publicUrl,
    refreshMaxAge: options.sessionLifetime,
  });
  // A key in a URL ends up in access logs, proxies and browser history: refuse it before
  // any route runs, say why, and raise an alarm so its owner rotates it.
  // Callback style: it runs on every request and almost always returns at once.
  app.addHook('onRequest', (request, _reply, done) => {
    const url = request.url;
    const q = url.indexOf('?');
    if (q === -1) return done();
    // A key percent-encoded in part or whole (`rmp%5Fprod…`, `%72mp_…`) is as exposed.
    const encoded = url.indexOf('%', q) !== -1;
    if (!encoded && url.indexOf('rmp_', q) === -1) return done();
    apiKeyStringPattern.lastIndex = 0;
    const match = apiKeyStringPattern.exec(encoded ? percentDecoded(url.slice(q)) : url.slice(q));
    if (!match) return done();
    refuseKeyInUrl(request, match[0], url.slice(0, q)).then(() => done(), done);
  });
  async function refuseKeyInUrl(
    request: FastifyRequest,
    key: string,
    path: string,
  ): Promise<never> {
    const verified = await options.apiKeys.verify(key).catch(() => undefined);
    const keyId = verified?.ok ? verified.key.keyId : verified?.keyId;
    await options.events.publish({
      type: 'apikey.exposed_in_url',
      outcome: 'denied',
      actor: { kind: 'anonymous', ip: request.ip },
      ...(keyId ? { target: { type: 'api_key', id: keyId } } : {}),
      requestId: String(request.id),
      details: { path, known: keyId !== undefined },
    });
    throw new RampartError(apiKeyErrors.api_key_in_url);
  }
  await app.register(authRoutes, {
    accounts: options.accounts,
    login: options.login,
    sessions: options.sessions,
    auth: options.auth,
  });
  await app.register(passwordRoutes, { passwords: options.passwords, auth: options.auth });
  await app.register(sessionRoutes, {
    sessions: options.sessions,
    accounts: options.accounts,
    auth: options.auth,
  });
  await app.register(meRoutes, {
    accounts: options.accounts,
    auth: options.auth,
    identitiesOf: options.identitiesOf,
    identitiesOfNow: options.identitiesOfNow,
  });
  await app.register(mfaRoutes, { mfa: options.mfa, auth: options.auth });
  await app.register(inviteRoutes, { accounts: options.accounts, auth: options.auth });
  await app.register(signingKeyRoutes, { signingKeys: options.signingKeys, auth: options.auth });
  await app.register(apiKeyRoutes, { apiKeys: options.apiKeys, auth: options.auth });
  await app.register(serviceAccountRoutes, { apiKeys: options.apiKeys, auth: options.auth });
  await app.register(introspectionRoutes, {
    auth: options.auth,
    verifier: options.verifier,
    revocations: options.revocations,
    apiKeys: options.apiKeys,
    issuer: options.issuer,
    authorizer: options.authorizer,
  });
  await app.register(wellKnownRoutes, {
    ring: options.ring,
    issuer: options.issuer,
    publicUrl: options.publicUrl,
    algorithm: options.algorithm,
  });
}

export default fp(identityPlugin, { name: 'rampart-identity', fastify: '5.x' });
