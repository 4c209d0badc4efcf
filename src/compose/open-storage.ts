import type { Logger } from 'pino';
import type { RampartConfig } from '../config/schema.js';
import { configuredRedactor } from '../dataprotect/configured-redactor.js';
import type { Redactor } from '../dataprotect/core/redaction.js';
import { type ResolvedMasterKey, resolveMasterKey } from '../dataprotect/master-key-file.js';
import { EventBus } from '../events/event-bus.js';
import { type OpenedLogger, openLogger } from '../monitor/logger.js';
import { type DatabaseHandle, ensureReachable } from '../storage/database.js';
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
 * The master key, the redactor and the logger: what every later step needs, opened
 * before the database.
 */
export async function openLogging(
  config: RampartConfig,
  givenLogger: Logger | undefined,
): Promise<Logging> {
  const masterKey = resolveMasterKey(config);
  const redact = configuredRedactor(config, masterKey.key);
  let ownLog: OpenedLogger | undefined;
  let logger: Logger;
  if (givenLogger) logger = givenLogger;
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

/**
 * Applies pending migrations, or with `migrate: false` refuses a schema that is not
 * current (`rampart migrate` is the explicit form).
 */
export async function prepareSchema(
  database: DatabaseHandle,
  logger: Logger,
  migrate: boolean,
): Promise<void> {
  await ensureReachable(database);
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

/** The hot store `config` names (memory, or Redis shared by a cluster). */
export function openConfiguredHotStore(config: RampartConfig, logger: Logger): Promise<HotStore> {
  return openHotStore(config, (error, channel) =>
    logger.error({ err: error, channel }, 'pub/sub handler failed'),
  );
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
