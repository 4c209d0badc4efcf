import { type TerminalCheckedStream, terminalSafeLine } from './terminal-safe-line.js';

/** What a coalescing destination writes to: pino's SonicBoom (or any stream alike). */
export interface LineSink {
  write(chunk: string): boolean;
  flush(cb?: (err?: Error) => void): void;
  flushSync(): void;
}

export interface CoalescingDestination extends TerminalCheckedStream {
  /** One log line, as pino hands it over. */
  write(line: string): boolean;
  /** Hands the pending lines to the sink, then flushes it. */
  flush(cb?: (err?: Error) => void): void;
  /** Hands the pending lines to the sink and writes everything out synchronously. */
  flushSync(): void;
  /** Hands the pending lines over and stops following process exit. */
  close(): void;
}

const live = new Set<() => void>();
let exitListening = false;

/**
 * Gathers the log lines of one event-loop turn and hands them to `sink` as one string,
 * once the turn's I/O callbacks are done (`setImmediate`).
 *
 * Why not SonicBoom alone: synchronous, it makes one write system call per line; here a
 * turn's lines (tens under load) go out in one. (Asynchronous, it appended each line to its
 * pending string while a write was in flight and measured the whole string with
 * `Buffer.byteLength`, which flattens it: every line copied everything buffered before it.)
 * A line costs an array push; SonicBoom still does the writing (partial writes, EAGAIN,
 * EPIPE, flush on exit).
 *
 * Each chunk is made safe to show on a terminal on its way to the sink
 * (terminal-safe-line.ts): one check of the whole turn's lines, none when every line of
 * the turn came through `writeTerminalSafe` (request lines, checked as they were built).
 *
 * Lines pending at process exit are handed over first (a listener prepended to `exit`,
 * so it runs before pino's own flush of the SonicBoom).
 *
 * @example
 * const stream = coalesceLines(pino.destination({ dest: 1, sync: true }));
 * const logger = pino({}, stream);
 */
export function coalesceLines(sink: LineSink): CoalescingDestination {
  let pending: string[] = [];
  // True once a line of the turn came through `write`: the chunk must then be checked.
  let unchecked = false;
  let scheduled = false;
  const handOver = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const chunk = pending.length === 1 ? (pending[0] as string) : pending.join('');
    pending = [];
    const check = unchecked;
    unchecked = false;
    sink.write(check ? terminalSafeLine(chunk) : chunk);
  };
  const take = (line: string) => {
    pending.push(line);
    if (!scheduled) {
      scheduled = true;
      setImmediate(handOver);
    }
    return true;
  };
  live.add(handOver);
  if (!exitListening) {
    exitListening = true;
    process.prependListener('exit', () => {
      for (const flush of live) flush();
    });
  }
  return {
    write(line) {
      unchecked = true;
      return take(line);
    },
    writeTerminalSafe: take,
    flush(cb) {
      handOver();
      sink.flush(cb);
    },
    flushSync() {
      handOver();
      sink.flushSync();
    },
    close() {
      handOver();
      live.delete(handOver);
    },
  };
}
