import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../monitor/logger.js';
import { checkConfig } from './load-config.js';
import { redactConfig } from './redact-config.js';

const key = () => randomBytes(32).toString('base64');
const cwd = () => mkdtempSync(join(tmpdir(), 'rampart-config-'));
const repeated = key();

describe('masterKeyPrevious', () => {
  it('reads previous master keys from RAMPART_MASTER_KEY_PREVIOUS, comma-separated', () => {
    const [a, b] = [key(), key()];
    const verdict = checkConfig({
      env: { RAMPART_MASTER_KEY: key(), RAMPART_MASTER_KEY_PREVIOUS: `${a}, ${b}` },
      cwd: cwd(),
    });
    expect(verdict.problems).toEqual([]);
    expect(verdict.config?.masterKeyPrevious).toEqual([a, b]);
  });

  it.each([
    ['a short key', () => ['c2hvcnQ='], 'entry 1 is too short'],
    ['the current key again', (current: string) => [current], 'entry 1 is the current masterKey'],
    ['a repeated key', () => ['x', 'y'].map(() => repeated), 'entry 2 repeats an earlier entry'],
  ])('refuses %s, without printing it', (_name, previous, message) => {
    const current = key();
    const list = previous(current);
    const verdict = checkConfig({
      env: { RAMPART_MASTER_KEY: current, RAMPART_MASTER_KEY_PREVIOUS: list.join(',') },
      cwd: cwd(),
    });
    const problem = verdict.problems.find((p) => p.key === 'masterKeyPrevious');
    expect(problem?.message).toContain(message);
    for (const k of list) expect(JSON.stringify(verdict.problems)).not.toContain(k);
  });

  it('is redacted from the configuration shown and from logs', () => {
    const previous = key();
    const { config } = checkConfig({
      env: { RAMPART_MASTER_KEY: key(), RAMPART_MASTER_KEY_PREVIOUS: previous },
      cwd: cwd(),
    });
    if (!config) throw new Error('config refused');
    const shown = redactConfig(config);
    // The classification registry (`**.master_key_previous`) redacts the whole list.
    expect(shown.masterKeyPrevious).toBe('[redacted]');
    expect(JSON.stringify(shown)).not.toContain(previous);
    let written = '';
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _enc, cb) {
          written += chunk.toString();
          cb();
        },
      }) as never,
    });
    logger.info({ masterKeyPrevious: [previous], config: { masterKeyPrevious: [previous] } }, 'x');
    logger.flush();
    expect(written).toContain('masterKeyPrevious');
    expect(written).not.toContain(previous);
  });
});
