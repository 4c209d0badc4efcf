import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates `path` and its missing parents, like `mkdirSync(path, { recursive: true })`
 * but without its endless loop: where a file system answers ENOENT for a directory it
 * will never create (`/proc/x`), Node's recursive mkdir retries forever and the command
 * hangs. Here each missing directory is made in turn and the first error is thrown.
 *
 * @example
 * makeDirectory(config.dataDir, 0o700);
 */
export function makeDirectory(path: string, mode?: number): void {
  const missing: string[] = [];
  for (let current = resolve(path); !existsSync(current); current = dirname(current)) {
    missing.push(current);
    if (dirname(current) === current) break;
  }
  for (const directory of missing.reverse()) {
    try {
      mkdirSync(directory, mode === undefined ? {} : { mode });
    } catch (error) {
      // Made meanwhile by another process, or a dangling link: the next step decides.
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
  }
}
