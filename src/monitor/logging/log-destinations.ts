import { type DestinationStream, pino } from 'pino';
import type { RampartConfig } from '../../config/schema.js';
import { type CoalescingDestination, coalesceLines } from './coalescing-destination.js';
import { openRotatingFile } from './rotating-file.js';

export type LogConfig = RampartConfig['log'];

export interface LogDestination {
  readonly stream: DestinationStream;
  /** The file being written now (absent without `log.file`). */
  currentFile(): string | undefined;
  /** Flushes and closes the file; stdout stays open. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens where log lines go: stdout and/or a file rotated by size (and optionally daily or
 * hourly) with the oldest files beyond `log.file.maxFiles` deleted (rotating-file.ts).
 *
 * stdout gets each event-loop turn's lines as one synchronous write (pino's own default
 * mode, plus coalescing-destination.ts). An asynchronous write is a round trip through
 * libuv's thread pool (queued, picked up by a pool thread, signalled back): 1–6 µs of CPU
 * per request more than this in side-by-side runs (`node bench/run.js floor-parts`), never
 * less. Written
 * synchronously, a turn's lines are on stdout before the next turn starts, so a crash loses
 * none of them; as with pino's default, a reader of stdout that stops reading holds the
 * process up once the pipe is full (journald, a container runtime and a terminal read as
 * fast as a node writes). The log file is written asynchronously: its rotation follows
 * SonicBoom's write events. Both escape what a terminal would act on (terminal-safe-line.ts).
 *
 * @example
 * const dest = await openLogDestination({ level: 'info', stdout: true, file: { path: './logs/rampart.log', maxSize: 10_485_760, maxFiles: 10 } });
 * const logger = createLogger({ level: 'info', destination: dest.stream });
 */
export async function openLogDestination(
  config: LogConfig,
  options: { onError?: (error: unknown) => void } = {},
): Promise<LogDestination> {
  const streams: pino.StreamEntry[] = [];
  // Each entry's level is the floor (pino's default is info): the logger's level filters.
  // stdout gathers each event-loop turn's lines into one synchronous write (see above).
  const stdout = config.stdout ? openStdoutLines() : undefined;
  if (stdout) streams.push({ level: 'trace', stream: stdout });
  const file = config.file
    ? openRotatingFile({
        path: config.file.path,
        maxSize: config.file.maxSize,
        maxFiles: config.file.maxFiles,
        ...(config.file.frequency ? { frequency: config.file.frequency } : {}),
        // A log file that cannot be written has nowhere to report but stderr.
        onError:
          options.onError ??
          ((error) => process.stderr.write(`rampart: log file error: ${String(error)}\n`)),
      })
    : undefined;
  if (file) streams.push({ level: 'trace', stream: file.stream });
  return {
    stream:
      streams.length === 1 && streams[0]
        ? streams[0].stream
        : pino.multistream(streams, { dedupe: false }),
    currentFile: () => file?.currentFile(),
    close: async () => {
      stdout?.close();
      await file?.close();
    },
  };
}

/**
 * stdout as Rampart writes log lines to it: each event-loop turn's lines in one synchronous
 * write (see {@link openLogDestination}), made safe to show on a terminal. Also where a
 * logger made without a destination writes (the CLI's).
 *
 * @example
 * const logger = createLogger({ level: 'warn', destination: openStdoutLines() });
 */
export function openStdoutLines(): CoalescingDestination {
  return coalesceLines(pino.destination({ dest: 1, sync: true }));
}
