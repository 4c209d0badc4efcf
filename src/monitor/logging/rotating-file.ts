import { existsSync, readdirSync, statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { pino } from 'pino';
import { makeDirectory } from '../../shared/make-directory.js';
import { type TerminalCheckedStream, terminalSafeLine } from './terminal-safe-line.js';

export interface RotatingFileOptions {
  /** `logs/rampart.log` → `logs/rampart.1.log`, `logs/rampart.2.log`… */
  path: string;
  /** Bytes after which the next file is started. */
  maxSize: number;
  /** Rotated files kept besides the current one. */
  maxFiles: number;
  /** Also start a new file at every UTC day or hour. */
  frequency?: 'daily' | 'hourly';
  onError?: (error: unknown) => void;
  now?: () => number;
}

export interface RotatingFile {
  /** A pino destination (one `write(line)` per log line). */
  readonly stream: TerminalCheckedStream & {
    write(line: string): boolean;
    flush(cb?: (err?: Error) => void): void;
  };
  currentFile(): string;
  /** Starts the next file now. */
  rotate(): void;
  /** Flushes and closes the current file. Idempotent. */
  close(): Promise<void>;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A log file rotated by size (and optionally by UTC day or hour), keeping the newest
 * `maxFiles` rotated files, on pino's own SonicBoom destination.
 *
 * Written here rather than with pino-roll: pino-roll rotates only on SonicBoom's `drain`,
 * which an asynchronous SonicBoom emits when its buffer empties, so under steady logging
 * (a busy server) the file is never rotated and grows without bound (measured: 420 KB in
 * a 4 KB file). Here each write SonicBoom completes is counted and `reopen()` switches
 * files at once; SonicBoom finishes the write in flight first, so no line is lost and a
 * file overshoots `maxSize` by at most one write (16 KiB). Files are numbered like pino-roll's
 * (`rampart.1.log`…); the highest number is current and numbering continues after a
 * restart, which also applies the retention to files of earlier runs. Each line is made
 * safe to show on a terminal (terminal-safe-line.ts) before it is counted and written.
 *
 * @example
 * const file = openRotatingFile({ path: 'logs/rampart.log', maxSize: 10_485_760, maxFiles: 10 });
 * const logger = pino({}, file.stream);
 */
export function openRotatingFile(options: RotatingFileOptions): RotatingFile {
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => {});
  const dir = dirname(options.path);
  const ext = extname(options.path) || '.log';
  const stem = basename(options.path, extname(options.path));
  const pattern = new RegExp(`^${escapeRegExp(stem)}\\.(\\d{1,9})${escapeRegExp(ext)}$`);
  const fileOf = (n: number) => join(dir, `${stem}.${n}${ext}`);
  const numbers = (): number[] =>
    readdirSync(dir)
      .map((name) => pattern.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);

  makeDirectory(dir);
  let number = Math.max(1, ...numbers());
  let file = fileOf(number);
  let size = existsSync(file) ? statSync(file).size : 0;
  const sonic = pino.destination({ dest: file, sync: false, mkdir: true });
  sonic.on('error', onError);

  let pruning: Promise<void> = Promise.resolve();
  const prune = () => {
    const keep = options.maxFiles + 1;
    pruning = pruning.then(async () => {
      const old = numbers()
        .sort((a, b) => b - a)
        .slice(keep);
      for (const n of old) await unlink(fileOf(n)).catch(onError);
    });
  };

  // One reopen at a time: lines written while the next file opens are buffered for it,
  // so they count toward its size, and retention runs once it exists.
  let reopening = true;
  sonic.on('ready', () => {
    reopening = false;
    prune();
  });
  // Bytes handed over and bytes on disk: close() waits until they meet.
  let accepted = 0;
  let written = 0;
  // The size is counted as SonicBoom writes to the current file, not as lines arrive:
  // under load the buffer runs far ahead of the disk, and what it holds at a rotation
  // lands in the next file.
  sonic.on('write', (n: number) => {
    written += n;
    size += n;
    if (size >= options.maxSize) rotate();
  });
  const rotate = () => {
    if (reopening) return;
    reopening = true;
    number += 1;
    file = fileOf(number);
    size = 0;
    sonic.reopen(file);
  };

  let timer: NodeJS.Timeout | undefined;
  const period = options.frequency === 'hourly' ? 3_600_000 : 86_400_000;
  const schedule = () => {
    const t = now();
    timer = setTimeout(
      () => {
        if (size > 0) rotate();
        schedule();
      },
      period - (t % period),
    );
    timer.unref();
  };
  if (options.frequency) schedule();

  let closed: Promise<void> | undefined;
  const writeChecked = (line: string) => {
    // A line logged while shutting down has no file left to go to.
    if (closed !== undefined) return true;
    accepted += Buffer.byteLength(line);
    return sonic.write(line);
  };
  return {
    stream: {
      write(line: string) {
        // Escaped before counting: the bytes counted are the bytes written.
        return writeChecked(terminalSafeLine(line));
      },
      writeTerminalSafe: writeChecked,
      flush(cb) {
        sonic.flush(cb);
      },
    },
    currentFile: () => file,
    rotate,
    close() {
      closed ??= (async () => {
        clearTimeout(timer);
        // Written out before ending: an ending SonicBoom no longer reopens, so a buffer
        // flushed by end() would all land in the current file. (SonicBoom's own flush()
        // returns at once without minLength.) Bounded, in case the disk is stuck.
        const deadline = Date.now() + 5000;
        while (written < accepted && Date.now() < deadline) {
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(t);
              sonic.off('drain', done);
              resolve();
            };
            const t = setTimeout(done, 50);
            sonic.once('drain', done);
          });
        }
        await new Promise<void>((resolve) => {
          sonic.once('close', () => resolve());
          sonic.once('error', () => resolve());
          sonic.end();
        });
        await pruning;
      })();
      return closed;
    },
  };
}
