import type { Logger } from 'pino';

export interface ShutdownOptions {
  logger: Logger;
  /** Milliseconds to drain before giving up and exiting 1. */
  graceMs: number;
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
  emitter?: NodeJS.EventEmitter;
}

/**
 * Graceful shutdown: the first SIGTERM/SIGINT stops accepting, drains in-flight requests
 * and closes the stores, then exits 0 (or 1 if draining exceeds the grace period); a
 * second signal exits at once with 130.
 */
export function installShutdownHandlers(
  target: { close(): Promise<void> },
  options: ShutdownOptions,
): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const emitter = options.emitter ?? process;
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      options.logger.warn({ signal }, 'second signal: exiting immediately');
      exit(130);
      return;
    }
    shuttingDown = true;
    options.logger.info(
      { signal, graceMs: options.graceMs },
      'shutting down: draining in-flight requests',
    );
    const timer = setTimeout(() => {
      options.logger.error({ graceMs: options.graceMs }, 'shutdown grace period exceeded: exiting');
      exit(1);
    }, options.graceMs);
    timer.unref();
    target.close().then(
      () => {
        clearTimeout(timer);
        options.logger.info('shutdown complete');
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(timer);
        options.logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) emitter.on(signal, onSignal);
}
