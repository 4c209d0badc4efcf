import type { FastifyInstance } from 'fastify';
import type { OpenedLogger } from '../monitor/logger.js';
import type { MetricsServer } from '../monitor/metrics/metrics-server.js';
import type { DatabaseHandle } from '../storage/database.js';
import type { HotStore } from '../storage/hot-state.js';
import type { Cleanup } from './compose-context.js';

/** What `createRampart` opened itself, closed in this order after every capability stopped. */
export interface OpenedStorage {
  readonly cleanups: Cleanup[];
  readonly database: DatabaseHandle;
  readonly ownLog: OpenedLogger | undefined;
}

/**
 * Stops a started Rampart: the server drains, the separate metrics listener closes, every
 * capability stops in the reverse order of its start, then the hot store, the database
 * and the logger close.
 */
export async function shutDown(
  opened: OpenedStorage & {
    app: FastifyInstance;
    /** Read once the server has drained: a `listen()` still running may start it meanwhile. */
    metricsServer: () => MetricsServer | undefined;
    hot: HotStore;
    shutdownGraceMs: number;
  },
): Promise<void> {
  const { app } = opened;
  // In-flight requests get http.shutdownGrace to finish; then every connection still
  // open is closed, so a keep-alive socket that went idle after the drain began (or
  // a stream) cannot hold the shutdown until its keep-alive timeout.
  const grace = setTimeout(() => app.server.closeAllConnections(), opened.shutdownGraceMs);
  grace.unref();
  await app.close().finally(() => clearTimeout(grace));
  await opened.metricsServer()?.close();
  for (const cleanup of opened.cleanups.reverse()) await cleanup().catch(() => {});
  await opened.hot.close();
  await opened.database.close();
  await opened.ownLog?.close();
}

/**
 * Closes what a failed start opened, in the same order as `shutDown`, ignoring further
 * errors so the caller sees the one that stopped the start. `ownHot` is the hot store
 * opened from config, if it got that far (one passed in belongs to the caller).
 */
export async function closeAfterFailedStart(
  opened: OpenedStorage & { ownHot: HotStore | undefined },
): Promise<void> {
  for (const cleanup of opened.cleanups.reverse()) await cleanup().catch(() => {});
  await opened.ownHot?.close().catch(() => {});
  await opened.database.close().catch(() => {});
  await opened.ownLog?.close().catch(() => {});
}
