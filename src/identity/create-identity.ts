import type { Logger } from 'pino';
import type { Authorizer } from '../authz/authorizer.js';
import type { RampartConfig } from '../config/schema.js';
import type { Sealer } from '../dataprotect/core/sealer.js';
import type { EventBus } from '../events/event-bus.js';
import type { Mailer } from '../mail/mailer.js';
import type { HealthCheck } from '../monitor/core/health.js';
import { apiKeyEnvironmentFor } from '../shared/api-key-string.js';
import type { HotStore } from '../storage/hot-state.js';
import type { ApiKeyStore, ServiceAccountStore } from './api-key-store.js';
import { type Authenticator, createAuthenticator } from './authenticate.js';
import { AccessTokenVerifier } from './core/access-token-verifier.js';
import { AccessTokenIssuer } from './core/access-tokens.js';
import { AccountCache } from './core/account-cache.js';
import { AccountService } from './core/account-service.js';
import { ApiKeyService } from './core/api-key-service.js';
import { loadCommonPasswords } from './core/common-passwords.js';
import { LoginService } from './core/login-service.js';
import { LoginThrottle } from './core/login-throttle.js';
import { MfaService } from './core/mfa-service.js';
import { PasswordHasher } from './core/password-hasher.js';
import { PasswordService } from './core/password-service.js';
import { RevocationList } from './core/revocation-list.js';
import { SessionService } from './core/session-service.js';
import { SigningKeyRing } from './core/signing-key-ring.js';
import { SigningKeyService } from './core/signing-key-service.js';
import { TotpService } from './core/totp-service.js';
import type { IdentityPluginOptions } from './plugin.js';
import type { IdentityStores } from './store.js';

/** How often keys are re-read, so a rotation by the CLI reaches a server without Redis. */
const keyReloadIntervalMs = 60_000;
/** How often API keys close to expiry are looked for (each is announced once). */
const expiryCheckIntervalMs = 3_600_000;

export interface Identity {
  accounts: AccountService;
  login: LoginService;
  mfa: MfaService;
  sessions: SessionService;
  signingKeys: SigningKeyService;
  ring: SigningKeyRing;
  verifier: AccessTokenVerifier;
  auth: Authenticator;
  passwords: PasswordService;
  hasher: PasswordHasher;
  accountCache: AccountCache;
  revocations: RevocationList;
  apiKeys: ApiKeyService;
  readiness: HealthCheck[];
  pluginOptions: IdentityPluginOptions;
  /** Stops timers and subscriptions. */
  close(): Promise<void>;
}

export interface CreateIdentityOptions {
  config: RampartConfig;
  stores: IdentityStores;
  apiKeyStore: ApiKeyStore & ServiceAccountStore;
  hot: HotStore;
  events: EventBus;
  sealer: Sealer;
  mailer: Mailer;
  logger: Logger;
  /** Decides Rampart's own permission and role guards (default: the built-in roles). */
  authorizer?: Authorizer;
  /** Automated responses' "require MFA at next login" flag. */
  mfaRequired?: (accountId: string) => Promise<boolean>;
}

/** Assembles the identity capability: keys, tokens, accounts, sessions, login and MFA. */
export async function createIdentity(options: CreateIdentityOptions): Promise<Identity> {
  const { config, stores, hot, events, logger } = options;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    let verifier: AccessTokenVerifier | undefined;
    const ring = new SigningKeyRing({
      store: stores.signingKeys,
      sealer: options.sealer,
      algorithm: config.jwt.algorithm,
      accessTokenTtl: config.jwt.accessTokenTtl,
      clockTolerance: config.jwt.clockTolerance,
      onChange: () => verifier?.clearCache(),
    });
    verifier = new AccessTokenVerifier({
      ring,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      clockTolerance: config.jwt.clockTolerance,
    });
    const signingKeys = new SigningKeyService(ring, events, hot.pubsub);
    const created = await ring.initialize();
    if (created) {
      await signingKeys.announce(created);
      await events.publish({
        type: 'signing_key.created',
        outcome: 'success',
        actor: { kind: 'system' },
        target: { type: 'signing_key', id: created.kid },
        details: { algorithm: created.algorithm, retiredKids: created.retiredKids },
      });
    }
    cleanups.push(await signingKeys.follow());
    const reloadTimer = setInterval(() => {
      ring
        .reload()
        .catch((error: unknown) => logger.warn({ err: error }, 'signing key reload failed'));
    }, keyReloadIntervalMs);
    reloadTimer.unref();
    cleanups.push(async () => clearInterval(reloadTimer));

    const hasher = new PasswordHasher(config.password.argon2);
    const tokens = new AccessTokenIssuer({
      ring,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ttlSeconds: config.jwt.accessTokenTtl,
    });
    const accountCache = new AccountCache({ store: stores.accounts, pubsub: hot.pubsub });
    cleanups.push(await accountCache.follow());
    const revocations = new RevocationList(
      hot.sets,
      (config.jwt.accessTokenTtl + config.jwt.clockTolerance) * 1000,
    );
    const accounts = new AccountService({
      stores,
      cache: accountCache,
      hasher,
      events,
      passwordPolicy: {
        minLength: config.password.minLength,
        maxLength: config.password.maxLength,
      },
      registration: config.registration,
      bootstrapTokenTtl: config.bootstrap.tokenTtl,
    });
    const sessions = new SessionService({
      stores,
      accounts: accountCache,
      tokens,
      revocations,
      events,
      policy: {
        absoluteLifetimeMs: config.session.absoluteLifetime * 1000,
        idleTimeoutMs: config.session.idleTimeout * 1000,
        refreshReuseGraceMs: config.session.refreshReuseGrace * 1000,
        denyOnFingerprintChange: config.session.denyOnFingerprintChange,
      },
    });
    const throttle = new LoginThrottle(hot.counters, hot.values, {
      maxFailures: config.lockout.maxFailures,
      windowMs: config.lockout.window * 1000,
      durationMs: config.lockout.duration * 1000,
      maxDurationMs: config.lockout.maxDuration * 1000,
      ipMaxFailures: config.lockout.ipMaxFailures,
    });
    const totp = new TotpService({
      store: stores.mfa,
      sealer: options.sealer,
      issuer: config.mfa.issuer,
    });
    const login = new LoginService({
      stores,
      hasher,
      sessions,
      throttle,
      challenges: hot.values,
      events,
      mailer: options.mailer,
      accountCache,
      secondFactor: totp,
      mfa: {
        challengeTtlMs: config.mfa.challengeTtl * 1000,
        requiredRoles: config.mfa.requiredRoles,
      },
      onMailError: (error) => logger.error({ err: error }, 'mail delivery failed'),
      ...(options.mfaRequired ? { mfaRequired: options.mfaRequired } : {}),
    });
    const authorizer = options.authorizer;
    const apiKeys = new ApiKeyService({
      ...(authorizer
        ? {
            permissionsOf: (id: string, roles: readonly string[]) =>
              authorizer.permissionsOf(id, roles),
          }
        : {}),
      keys: options.apiKeyStore,
      serviceAccounts: options.apiKeyStore,
      accounts: accountCache,
      sets: hot.sets,
      pubsub: hot.pubsub,
      events,
      sealer: options.sealer,
      environment: apiKeyEnvironmentFor(config.env),
      policy: {
        rotationGraceMs: config.apiKeys.rotationGrace * 1000,
        expiryNoticeMs: config.apiKeys.expiryNotice * 1000,
        cacheTtlMs: config.apiKeys.cacheTtl * 1000,
        maxPerOwner: config.apiKeys.maxPerOwner,
        signatureMaxSkewSeconds: config.apiKeys.signatureMaxSkew,
      },
      onBackgroundError: (error) => logger.warn({ err: error }, 'API key bookkeeping failed'),
    });
    cleanups.push(await apiKeys.follow());
    const announceExpiring = () =>
      apiKeys
        .announceExpiring()
        .catch((error: unknown) => logger.warn({ err: error }, 'API key expiry check failed'));
    const expiryTimer = setInterval(announceExpiring, expiryCheckIntervalMs);
    expiryTimer.unref();
    cleanups.push(async () => clearInterval(expiryTimer));
    void announceExpiring();
    const auth = createAuthenticator(verifier, events, revocations, apiKeys, config.publicUrl, {
      ...(options.authorizer ? { authorizer: options.authorizer } : {}),
      environment: config.env,
    });

    // Pay one-time costs now rather than on the first user's request.
    loadCommonPasswords();
    await hasher.warmUp();

    // Account-facing MFA (enrolment, recovery codes, admin reset) over the login's factor.
    const mfa = new MfaService({
      totp,
      login,
      accounts: stores.accounts,
      hasher,
      events,
      mailer: options.mailer,
      onMailError: (error) => logger.error({ err: error }, 'mail delivery failed'),
    });

    const readiness: HealthCheck[] = [
      {
        name: 'signing:keys',
        run: async () => ({
          componentType: 'component',
          observedValue: ring.jwks().keys.length,
          observedUnit: 'published',
          status: ring.current() ? 'pass' : 'fail',
        }),
      },
    ];

    const passwords = new PasswordService({
      stores,
      hasher,
      sessions,
      throttle,
      counters: hot.counters,
      events,
      mailer: options.mailer,
      accountCache,
      passwordPolicy: {
        minLength: config.password.minLength,
        maxLength: config.password.maxLength,
      },
      reset: {
        tokenTtlMs: config.passwordReset.tokenTtl * 1000,
        urlTemplate:
          config.passwordReset.url ?? `${config.publicUrl}/ui/reset-password#token={token}`,
        requestWindowMs: config.passwordReset.requestWindow * 1000,
        maxRequestsPerEmail: config.passwordReset.maxRequestsPerEmail,
        maxRequestsPerIp: config.passwordReset.maxRequestsPerIp,
      },
      onBackgroundError: (error) => logger.error({ err: error }, 'password mail delivery failed'),
    });
    // Reset links and notices still being sent are handed to the mailer before it closes.
    cleanups.push(() => passwords.whenIdle());

    return {
      accounts,
      login,
      mfa,
      sessions,
      signingKeys,
      ring,
      verifier,
      auth,
      passwords,
      hasher,
      accountCache,
      revocations,
      apiKeys,
      readiness,
      pluginOptions: {
        accounts,
        login,
        passwords,
        sessions,
        auth,
        ring,
        signingKeys,
        mfa,
        issuer: config.jwt.issuer,
        publicUrl: config.publicUrl,
        sessionLifetime: config.session.absoluteLifetime,
        algorithm: config.jwt.algorithm,
        apiKeys,
        verifier,
        revocations,
        events,
        authorizer: options.authorizer,
      },
      async close() {
        for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    throw error;
  }
}
