import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RampartConfig } from './config/schema.js';
import { createSealer } from './dataprotect/core/sealer.js';
import { resolveMasterKey } from './dataprotect/master-key-file.js';
import { EventBus } from './events/event-bus.js';
import { buildServer } from './http/server.js';
import { createAuthenticator } from './identity/authenticate.js';
import { AccessTokenVerifier } from './identity/core/access-token-verifier.js';
import { AccessTokenIssuer } from './identity/core/access-tokens.js';
import { AccountCache } from './identity/core/account-cache.js';
import { AccountService } from './identity/core/account-service.js';
import { loadCommonPasswords } from './identity/core/common-passwords.js';
import { PasswordHasher } from './identity/core/password-hasher.js';
import { SigningKeyRing } from './identity/core/signing-key-ring.js';
import { SigningKeyService } from './identity/core/signing-key-service.js';
import identityPlugin from './identity/plugin.js';
import type { IdentityStores } from './identity/store.js';
import type { HealthCheck } from './monitor/core/health.js';
import { createLogger } from './monitor/logger.js';
import { healthRoutes } from './monitor/routes/health.routes.js';
import { type DatabaseHandle, openDatabase } from './storage/database.js';
import type { HotStore } from './storage/hot-state.js';
import { migrateToLatest, migrationStatus } from './storage/migrate.js';
import { openHotStore } from './storage/open-hot-store.js';
import { createSqlIdentityStores } from './storage/sql/index.js';
import { rampartVersion } from './version.js';

export interface CreateRampartOptions {
  /** A logger to use; default: pino to stdout at `config.log.level`. */
  logger?: Logger;
  /** Use this hot store instead of opening one from config (tests, embedding). */
  hotStore?: HotStore;
  /** Apply pending migrations at start (default true; `rampart migrate` is the explicit form). */
  migrate?: boolean;
  /** Registers the embedding application's own routes and plugins before the server starts. */
  register?: (app: FastifyInstance) => Promise<void>;
}

export interface Rampart {
  readonly app: FastifyInstance;
  readonly config: RampartConfig;
  readonly logger: Logger;
  readonly database: DatabaseHandle;
  readonly hot: HotStore;
  readonly events: EventBus;
  readonly stores: IdentityStores;
  readonly accounts: AccountService;
  readonly signingKeys: SigningKeyService;
  readonly ring: SigningKeyRing;
  readonly masterKeySource: 'config' | 'file' | 'generated';
  /** Starts listening; resolves with the bound URL. */
  listen(): Promise<string>;
  /** Stops accepting, drains in-flight requests, then closes the stores. Idempotent. */
  close(): Promise<void>;
}

/** How often keys are re-read, so a rotation by the CLI reaches a server without Redis. */
const keyReloadIntervalMs = 60_000;

/**
 * The composition root: opens the stores, migrates, loads the keys and assembles the
 * server with every capability. The only place that knows every concrete adapter.
 *
 * @example
 * const { config } = loadConfig();
 * const rampart = await createRampart(config);
 * console.log(await rampart.listen());
 */
export async function createRampart(
  config: RampartConfig,
  options: CreateRampartOptions = {},
): Promise<Rampart> {
  const logger = options.logger ?? createLogger({ level: config.log.level });
  const masterKey = resolveMasterKey(config);
  if (masterKey.source === 'generated') {
    logger.warn(
      { path: masterKey.path },
      'DEVELOPMENT ONLY: generated a master key in the data directory. Anyone who can read it can unseal every secret. Set RAMPART_MASTER_KEY outside development.',
    );
  }
  const database = openDatabase(config.databaseUrl);
  let hot: HotStore | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    if (options.migrate ?? true) {
      const applied = await migrateToLatest(database);
      if (applied.length > 0) logger.info({ applied }, 'database migrated');
    } else {
      const status = await migrationStatus(database);
      if (status.pending.length > 0 || status.unknown.length > 0) {
        throw new Error(
          `database schema is not current (pending: ${status.pending.join(', ') || 'none'}); run rampart migrate`,
        );
      }
    }
    hot =
      options.hotStore ??
      (await openHotStore(config, (error, channel) =>
        logger.error({ err: error, channel }, 'pub/sub handler failed'),
      ));
    const hotStore = hot;

    const events = new EventBus({
      onHandlerError: (error, event, handler) =>
        logger.error({ err: error, eventType: event.type, handler }, 'event handler failed'),
    });
    // The first subscriber: every security event as a structured log line. The audit
    // trail, metrics and detectors subscribe here as they arrive.
    events.subscribe('log', (event) => {
      logger.info({ event }, `security event ${event.type}`);
    });

    const stores = createSqlIdentityStores(database.db);
    const sealer = createSealer(masterKey.key);
    let verifier: AccessTokenVerifier | undefined;
    const ring = new SigningKeyRing({
      store: stores.signingKeys,
      sealer,
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
    const signingKeys = new SigningKeyService(ring, events, hotStore.pubsub);
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
    const issuer = new AccessTokenIssuer({
      ring,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ttlSeconds: config.jwt.accessTokenTtl,
    });
    const accountCache = new AccountCache({ store: stores.accounts, pubsub: hotStore.pubsub });
    cleanups.push(await accountCache.follow());
    const accounts = new AccountService({
      stores,
      cache: accountCache,
      hasher,
      tokens: issuer,
      events,
      passwordPolicy: {
        minLength: config.password.minLength,
        maxLength: config.password.maxLength,
      },
      registration: config.registration,
      bootstrapTokenTtl: config.bootstrap.tokenTtl,
    });
    // Pay one-time costs now rather than on the first user's request.
    loadCommonPasswords();
    await hasher.warmUp();

    const app = await buildServer({ config, logger, version: rampartVersion });
    const auth = createAuthenticator(verifier, events);
    const readiness: HealthCheck[] = [
      {
        name: 'database:responseTime',
        run: async () => ({
          componentId: database.dialect,
          componentType: 'datastore',
          observedValue: round(await database.ping()),
          observedUnit: 'ms',
          status: 'pass',
        }),
      },
      {
        name: 'database:migrations',
        run: async () => {
          const s = await migrationStatus(database);
          const behind = s.pending.length + s.unknown.length;
          return {
            componentId: database.dialect,
            componentType: 'datastore',
            observedValue: behind,
            observedUnit: 'pending',
            status: behind === 0 ? 'pass' : 'fail',
          };
        },
      },
      {
        name: 'hotstore:responseTime',
        run: async () => ({
          componentId: hotStore.kind,
          componentType: 'datastore',
          observedValue: round(await hotStore.ping()),
          observedUnit: 'ms',
          status: 'pass',
        }),
      },
      {
        name: 'signing:keys',
        run: async () => {
          const current = ring.current();
          return {
            componentType: 'component',
            observedValue: ring.jwks().keys.length,
            observedUnit: 'published',
            status: current ? 'pass' : 'fail',
          };
        },
      },
    ];
    await app.register(healthRoutes, { version: rampartVersion, readiness });
    await app.register(identityPlugin, {
      accounts,
      auth,
      ring,
      signingKeys,
      issuer: config.jwt.issuer,
      publicUrl: config.publicUrl,
      algorithm: config.jwt.algorithm,
    });
    if (options.register) await options.register(app);
    await app.ready();

    let closed: Promise<void> | undefined;
    return {
      app,
      config,
      logger,
      database,
      hot: hotStore,
      events,
      stores,
      accounts,
      signingKeys,
      ring,
      masterKeySource: masterKey.source,
      async listen() {
        return app.listen({ host: config.host, port: config.port });
      },
      close() {
        closed ??= (async () => {
          await app.close();
          for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
          await hotStore.close();
          await database.close();
        })();
        return closed;
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    if (hot && !options.hotStore) await hot.close().catch(() => {});
    await database.close().catch(() => {});
    throw error;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
