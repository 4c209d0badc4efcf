import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.js';
import { createLogger } from '../logger.js';
import { openLogDestination } from './log-destinations.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rampart-logs-'));
  dirs.push(d);
  return d;
}

const logFiles = (dir: string) =>
  readdirSync(join(dir, 'logs'))
    .filter((f) => /^rampart\.\d+\.log$/.test(f))
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));

// The `i` of the last line on disk: in the newest file, or in the one just rotated out.
function lastLoggedIndex(dir: string): number | undefined {
  for (const f of logFiles(dir).slice(-2).reverse()) {
    const text = readFileSync(join(dir, 'logs', f), 'utf8').trimEnd();
    if (text === '') continue;
    const last = text.slice(text.lastIndexOf('\n') + 1);
    try {
      return (JSON.parse(last) as { i?: number }).i;
    } catch {
      return undefined; // a line being written
    }
  }
  return undefined;
}

describe('log files', () => {
  it('writes JSON lines to the file, rotates at the size limit and deletes files beyond retention', async () => {
    const dir = tempDir();
    const dest = await openLogDestination({
      level: 'info',
      stdout: false,
      file: { path: join(dir, 'logs', 'rampart.log'), maxSize: 2048, maxFiles: 2 },
    });
    const logger = createLogger({ level: 'info', destination: dest.stream });
    const pad = 'x'.repeat(200);
    // ~300 bytes a line: well over five rotations' worth.
    for (let i = 0; i < 60; i++) {
      logger.info({ i, pad }, 'line');
      // Each line reaches the file before the next is logged, so rotation sees every size
      // step (a fixed pause was not enough on a loaded machine: two lines went out in one
      // write). Sustained logging is the third test's case.
      await until(() => lastLoggedIndex(dir) === i, 5_000);
    }
    await until(() => {
      const files = logFiles(dir);
      return files.length === 3 && Number(files[0]?.split('.')[1]) > 1;
    });
    await dest.close();

    const files = logFiles(dir);
    // maxFiles rotated files plus the current one; the oldest numbers are gone.
    expect(files).toHaveLength(3);
    expect(files[0]).not.toBe('rampart.1.log');
    for (const f of files.slice(0, -1)) {
      const size = readFileSync(join(dir, 'logs', f)).length;
      expect(size).toBeGreaterThanOrEqual(2048);
      // Rotation happens at the first write past the limit: at most one line over.
      expect(size).toBeLessThan(2048 + 400);
    }
    const last = readFileSync(join(dir, 'logs', files.at(-1) as string), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { i: number; msg: string; level: string });
    expect(last.at(-1)).toMatchObject({ i: 59, msg: 'line', level: 'info' });
  });

  it('keeps the retention across restarts: files of an earlier run count too', async () => {
    const dir = tempDir();
    const config = {
      level: 'info' as const,
      stdout: false,
      file: { path: join(dir, 'logs', 'rampart.log'), maxSize: 1024, maxFiles: 1 },
    };
    for (let run = 0; run < 2; run++) {
      const dest = await openLogDestination(config);
      const logger = createLogger({ level: 'info', destination: dest.stream });
      for (let i = 0; i < 15; i++) {
        logger.info({ run, i, pad: 'y'.repeat(200) }, 'line');
        await new Promise((r) => setTimeout(r, 2));
      }
      await until(() => logFiles(dir).length <= 2 && Number(logFiles(dir)[0]?.split('.')[1]) > 1);
      await dest.close();
    }
    // Numbering continued from the first run, and only one rotated file plus the current remain.
    const files = logFiles(dir);
    expect(files.length).toBeLessThanOrEqual(2);
    expect(Number(files.at(-1)?.split('.')[1])).toBeGreaterThan(4);
  });

  it('rotates under sustained logging too, never letting a file grow past the limit by more than a batch', async () => {
    const dir = tempDir();
    const dest = await openLogDestination({
      level: 'info',
      stdout: false,
      file: { path: join(dir, 'logs', 'rampart.log'), maxSize: 4096, maxFiles: 3 },
    });
    const logger = createLogger({ level: 'info', destination: dest.stream });
    // Lines arrive faster than the file is written: the writer never goes idle.
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 100; i++) logger.info({ round, i, pad: 'z'.repeat(100) }, 'burst');
      await new Promise((r) => setImmediate(r));
    }
    await dest.close();
    await until(() => logFiles(dir).length === 4);
    const files = logFiles(dir);
    // ~420 KB in writes of at most 16 KiB: one file per write past the limit.
    expect(Number(files.at(-1)?.split('.')[1])).toBeGreaterThan(20);
    for (const f of files) {
      // SonicBoom writes at most 16 KiB at once.
      expect(readFileSync(join(dir, 'logs', f)).length).toBeLessThan(4096 + 16_384 + 512);
    }
    // No line lost at a rotation: the last lines are all there, in order.
    const tail = files
      .flatMap((f) => readFileSync(join(dir, 'logs', f), 'utf8').split('\n'))
      // The current file may be empty, just opened by the last rotation.
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as { round: number; i: number })
      .filter((l) => l.round === 19);
    expect(tail.map((l) => l.i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
