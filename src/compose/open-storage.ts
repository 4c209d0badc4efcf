import type { Logger } from 'pino';
import type { RampartConfig } from '../config/schema.js';
import { configuredRedactor } from '../dataprotect/configured-redactor.js';
import type { Redactor } from '../dataprotect/core/redaction.js';
import { type ResolvedMasterKey, resolveMasterKey } from '../dataprotect/master-key-file.js';
import { EventBus } from '../events/event-bus.js';
import { type OpenedLogger, openLogger } from '../monitor/logger.js';
import { type DatabaseHandle, ensureReachable, openDatabase } from '../storage/database.js';
import type { HotStore } from '../storage/hot-state.js';
import { migrateToLatest, migrationStatus } from '../storage/migrate.js';
import { openHotStore } from '../storage/open-hot-store.js';

export interface Logging {
  readonly masterKey: ResolvedMasterKey;
  /** Classification and redaction: audit details before they are hashed, logged events. */
  readonly redact: Redactor;
  readonly logger: Logger;
  /** The logger opened here (stdout, a rotated file), closed last; none when one was given. */
  readonly ownLog: OpenedLogger | undefined;
}

/**
 * A logger passed in, or a function that opens one when it is first needed: after every
 * store has answered, so that a start failing on a dependency creates no log file. Either
 * way it belongs to the caller, who closes it.
 */
export type GivenLogger = Logger | (() => Promise<Logger>);

/**
 * The master key, the redactor and the logger: what every later step needs, opened
 * before the database.
 */
export async function openLogging(
  config: RampartConfig,
  givenLogger: GivenLogger | undefined,
): Promise<Logging> {
  const masterKey = resolveMasterKey(config);
  const redact = configuredRedactor(config, masterKey.key);
  let ownLog: OpenedLogger | undefined;
  let logger: Logger;
  if (typeof givenLogger === 'function') logger = await givenLogger();
  else if (givenLogger) logger = givenLogger;
  else {
    ownLog = await openLogger(config.log, { redactEvent: redact });
    logger = ownLog.logger;
  }
  if (masterKey.source === 'generated') {
    logger.warn(
      { path: masterKey.path },
      'DEVELOPMENT ONLY: generated a master key in the data directory. Anyone who can read it can unseal every secret. Set RAMPART_MASTER_KEY outside development.',
    );
  }
  return { masterKey, redact, logger, ownLog };
}

export interface OpenedStores {
  readonly hot: HotStore;
  /** Reached: it answered a query. */
  readonly database: DatabaseHandle;
  readonly logging: Logging;
}

/**
 * The hot store, the logging (with the master key) and the database, opened so that a
 * start failing on a dependency leaves the disk as it found it: Redis (`redisUrl`) and a
 * PostgreSQL `databaseUrl` must answer before anything is written, whether the data
 * directory, the development master key or a SQLite file (opening SQLite creates it).
 * What was opened is closed again when a later step fails; a hot store passed in stays
 * open, it belongs to the caller.
 */
export async function openStores(
  config: RampartConfig,
  given: { logger?: GivenLogger | undefined; hotStore?: HotStore | undefined },
): Promise<OpenedStores> {
  let hot: HotStore | undefined;
  let database: DatabaseHandle | undefined;
  let logging: Logging | undefined;
  try {
    hot =
      given.hotStore ??
      // Handlers run once something subscribed, by then the logging is open.
      (await openHotStore(config, (error, channel) =>
        logging?.logger.error({ err: error, channel }, 'pub/sub handler failed'),
      ));
    if (!config.databaseUrl.startsWith('sqlite:')) {
      database = openDatabase(config.databaseUrl);
      await ensureReachable(database);
    }
    logging = await openLogging(config, given.logger);
    if (!database) {
      database = openDatabase(config.databaseUrl);
      await ensureReachable(database);
    }
    return { hot, database, logging };
  } catch (error) {
    if (!given.hotStore) await hot?.close().catch(() => {});
    await database?.close().catch(() => {});
    await logging?.ownLog?.close().catch(() => {});
    throw error;
  }
}

/**
 * Applies pending migrations, or with `migrate: false` refuses a schema that is not
 * current (`rampart migrate` is the explicit form).
 */
export async function prepareSchema(
  database: DatabaseHandle,
  logger: Logger,
  migrate: boolean,
): Promise<void> {
  if (migrate) {
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
}

/**
 * The security event bus, with its first subscriber: every event as a structured log
 * line. The audit trail, metrics and detectors subscribe as they arrive.
 *
 * Our logger classifies `event` in its serializer; a logger passed in by an embedding
 * application has none, so the event is classified here instead (never twice: a second
 * pass would hash a hash and mask a mask).
 */
export function createEventBus(logging: Logging, loggerGiven: boolean): EventBus {
  const { logger, redact } = logging;
  const events = new EventBus({
    onHandlerError: (error, event, handler) =>
      logger.error({ err: error, eventType: event.type, handler }, 'event handler failed'),
  });
  const logEvent = loggerGiven ? redact : (event: unknown) => event;
  events.subscribe('log', (event) => {
    logger.info({ event: logEvent(event) }, `security event ${event.type}`);
  });
  return events;
}
