import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
