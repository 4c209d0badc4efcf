/*
 * Attack: another local user (a shared host, a container with a mounted volume) reads the
 * development master key from the data directory and with it opens every sealed secret.
 * The key file is created readable by its owner only, and a key file that others can
 * read is refused rather than used.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DeepPartial, loadConfig, type RawConfig } from '../config/index.js';
import { masterKeyFileName, resolveMasterKey } from './master-key-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function developmentConfig() {
  const dataDir = mkdtempSync(join(tmpdir(), 'rampart-master-file-'));
  dirs.push(dataDir);
  const { config } = loadConfig({
    env: {},
    noFile: true,
    overrides: { env: 'development', dataDir } as DeepPartial<RawConfig>,
  });
  expect(config.masterKey).toBeUndefined();
  return config;
}

describe('the development master key file', () => {
  it('is created once, readable by its owner only, and read back as the same key', () => {
    const config = developmentConfig();
    const created = resolveMasterKey(config);
    expect(created.source).toBe('generated');
    const path = join(config.dataDir, masterKeyFileName);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = resolveMasterKey(config);
    expect(again.source).toBe('file');
    expect(again.key.equals(created.key)).toBe(true);
    expect(readFileSync(path, 'utf8').trim()).toBe(created.key.toString('base64'));
  });

  it('is refused when other users can read it', () => {
    const config = developmentConfig();
    resolveMasterKey(config);
    const path = join(config.dataDir, masterKeyFileName);
    for (const mode of [0o640, 0o604, 0o644]) {
      chmodSync(path, mode);
      expect(() => resolveMasterKey(config)).toThrow(Error);
    }
    chmodSync(path, 0o600);
    expect(resolveMasterKey(config).source).toBe('file');
  });
});
