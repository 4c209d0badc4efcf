import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/support/until.js';
import { openRotatingFile } from './rotating-file.js';

const dir = mkdtempSync(join(tmpdir(), 'rampart-rotate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rotating file', () => {
  it('starts a new file at the hour, and not again while nothing was written', async () => {
    const path = join(dir, 'hourly', 'app.log');
    // 30 ms before a UTC hour boundary, every time it is asked.
    const file = openRotatingFile({
      path,
      maxSize: 1_048_576,
      maxFiles: 5,
      frequency: 'hourly',
      now: () => 3_600_000 - 30,
    });
    file.stream.write('{"msg":"before the hour"}\n');
    await until(() => readdirSync(join(dir, 'hourly')).includes('app.2.log'));
    file.stream.write('{"msg":"after the hour"}\n');
    // Several more boundaries pass with nothing written: no empty files pile up.
    await new Promise((r) => setTimeout(r, 200));
    await file.close();
    // app.3 began at the boundary after the second line; none after it, with nothing written.
    expect(readdirSync(join(dir, 'hourly')).sort()).toEqual([
      'app.1.log',
      'app.2.log',
      'app.3.log',
    ]);
    expect(readFileSync(join(dir, 'hourly', 'app.1.log'), 'utf8')).toContain('before the hour');
    expect(readFileSync(join(dir, 'hourly', 'app.2.log'), 'utf8')).toContain('after the hour');
  });

  it('writes terminal controls as JSON escapes, and rotates on the bytes it wrote', async () => {
    const logs = join(dir, 'escaped');
    const bytesInFiles = () =>
      existsSync(logs)
        ? readdirSync(logs).reduce((n, f) => n + readFileSync(join(logs, f)).length, 0)
        : 0;
    // 60 bytes raw, 100 escaped: a C1 control is 2 bytes in UTF-8 and 6 as an escape.
    const line = `{"ua":"${'\u009b'.repeat(10)}","pad":"${'p'.repeat(21)}"}\n`;
    const escaped = line.replaceAll('\u009b', '\\u009b');
    expect([Buffer.byteLength(line), Buffer.byteLength(escaped)]).toEqual([60, 100]);
    const file = openRotatingFile({ path: join(logs, 'app.log'), maxSize: 150, maxFiles: 5 });
    // Each line on disk before the next is written: one write, one size step.
    for (let i = 0, before = 0; i < 3; i++, before = bytesInFiles()) {
      file.stream.write(line);
      await until(() => bytesInFiles() > before);
    }
    await file.close();
    // Two escaped lines pass 150 bytes (two raw ones would not): the third starts a new file.
    expect(readdirSync(logs).sort()).toEqual(['app.1.log', 'app.2.log']);
    expect(readFileSync(join(logs, 'app.1.log'), 'utf8')).toBe(escaped + escaped);
    expect(readFileSync(join(logs, 'app.2.log'), 'utf8')).toBe(escaped);
    expect(JSON.parse(escaped)).toEqual(JSON.parse(line));
  });

  it('drops lines logged after close instead of throwing', async () => {
    const file = openRotatingFile({
      path: join(dir, 'closed', 'app.log'),
      maxSize: 1024,
      maxFiles: 1,
    });
    await file.close();
    expect(file.stream.write('{"late":true}\n')).toBe(true);
  });
});
