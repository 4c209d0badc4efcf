import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RampartConfig } from '../config/schema.js';
import { makeDirectory } from '../shared/make-directory.js';
import { parseMasterKey } from './core/master-key.js';

export const masterKeyFileName = 'master.key';

export interface ResolvedMasterKey {
  key: Buffer;
  /** `masterKeyPrevious`, parsed: keys a master key rotation is moving away from. */
  previous: Buffer[];
  source: 'config' | 'file' | 'generated';
  /** The file holding a development key, when there is one. */
  path?: string;
}

/**
 * The master key from configuration, or in development from `<dataDir>/master.key`,
 * created once (mode 0600) on first start. Configuration validation already refuses a
 * missing key outside development. The key is never logged or printed.
 */
export function resolveMasterKey(config: RampartConfig): ResolvedMasterKey {
  const previous = config.masterKeyPrevious.map((text, i) => {
    const parsed = parseMasterKey(text);
    if (!parsed.ok) throw new Error(`masterKeyPrevious entry ${i + 1} ${parsed.reason}`);
    return parsed.key;
  });
  if (config.masterKey !== undefined) {
    const parsed = parseMasterKey(config.masterKey);
    if (!parsed.ok) throw new Error(`masterKey ${parsed.reason}`);
    return { key: parsed.key, previous, source: 'config' };
  }
  if (config.env !== 'development') throw new Error(`masterKey is required in ${config.env}`);
  const path = join(config.dataDir, masterKeyFileName);
  if (existsSync(path)) {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0)
      throw new Error(
        `${path} is readable by other users (mode ${mode.toString(8)}); chmod 600 it`,
      );
    const parsed = parseMasterKey(readFileSync(path, 'utf8'));
    if (!parsed.ok) throw new Error(`${path} ${parsed.reason}`);
    return { key: parsed.key, previous, source: 'file', path };
  }
  const key = randomBytes(32);
  try {
    makeDirectory(config.dataDir, 0o700);
    writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Named by the setting to change, not only by the system call that failed.
    throw new Error(
      `cannot write the development master key into dataDir ${config.dataDir}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return { key, previous, source: 'generated', path };
}
