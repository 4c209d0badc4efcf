import { type DestinationStream, pino } from 'pino';
import pinoRoll from 'pino-roll';
import type { RampartConfig } from '../../config/schema.js';

export type LogConfig = RampartConfig['log'];

export interface LogDestination {
  readonly stream: DestinationStream;
  /** The file being written now (absent without `log.file`). */
  currentFile(): string | undefined;
  /** Flushes and closes the file stream; stdout stays open. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens where log lines go: stdout and/or a file rotated by size (and optionally daily or
 * hourly) with the oldest files beyond `log.file.maxFiles` deleted.
 *
 * The file is pino-roll's SonicBoom stream used in this thread rather than as a pino
 * transport: a transport runs in a worker thread, which would lose the last lines of a
 * crash and needs module resolution at run time, while SonicBoom already writes
 * asynchronously without blocking the event loop. Rotated files are named
 * `rampart.1.log`, `rampart.2.log`… after `log.file.path` (`rampart.log`); the highest
 * number is the current file, and numbering continues across restarts.
 *
 * @example
 * const dest = await openLogDestination({ level: 'info', stdout: true, file: { path: './logs/rampart.log', maxSize: 10_485_760, maxFiles: 10 } });
 * const logger = createLogger({ level: 'info', destination: dest.stream });
 */
export async function openLogDestination(config: LogConfig): Promise<LogDestination> {
  const streams: pino.StreamEntry[] = [];
  // Each entry's level is the floor (pino's default is info): the logger's level filters.
  if (config.stdout) {
    streams.push({ level: 'trace', stream: pino.destination({ dest: 1, sync: false }) });
  }
  const file = config.file
    ? await pinoRoll({
        file: config.file.path,
        // pino-roll reads a bare number as megabytes; `k` keeps byte precision.
        size: `${Math.max(1, Math.floor(config.file.maxSize / 1024))}k`,
        ...(config.file.frequency ? { frequency: config.file.frequency } : {}),
        // Files from earlier runs count too, so retention holds across restarts.
        limit: { count: config.file.maxFiles, removeOtherLogFiles: true },
        mkdir: true,
      })
    : undefined;
  if (file) streams.push({ level: 'trace', stream: file });
  let closed: Promise<void> | undefined;
  return {
    stream:
      streams.length === 1 && streams[0]
        ? streams[0].stream
        : pino.multistream(streams, { dedupe: false }),
    currentFile: () => file?.file,
    close() {
      closed ??= file
        ? new Promise<void>((resolve) => {
            file.once('close', () => resolve());
            file.once('error', () => resolve());
            file.end();
          })
        : Promise.resolve();
      return closed;
    },
  };
}
