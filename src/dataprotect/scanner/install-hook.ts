import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { GitScanError } from './git-scanner.js';

const run = promisify(execFile);
/** The line that marks a pre-commit hook as ours, so reinstalling may replace it. */
export const hookMarker = '# installed by: rampart scan install-hook';

export type InstallHookResult =
  | { installed: true; path: string }
  | { installed: false; path: string };

/**
 * Writes the repository's pre-commit hook to run `rampart scan --staged`. A hook that
 * is not ours is left alone unless `force`: it may be a team's own checks.
 */
export async function installPreCommitHook(options: {
  cwd: string;
  command: string;
  force: boolean;
}): Promise<InstallHookResult> {
  let hookPath: string;
  try {
    const { stdout } = await run('git', ['rev-parse', '--git-path', 'hooks/pre-commit'], {
      cwd: options.cwd,
    });
    hookPath = stdout.trim();
  } catch (error) {
    throw new GitScanError(
      (error as { stderr?: string }).stderr?.trim() || (error as Error).message,
    );
  }
  if (!isAbsolute(hookPath)) hookPath = join(options.cwd, hookPath);
  let existing: string | undefined;
  try {
    existing = await readFile(hookPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (existing !== undefined && !existing.includes(hookMarker) && !options.force)
    return { installed: false, path: hookPath };
  await mkdir(dirname(hookPath), { recursive: true });
  await writeFile(
    hookPath,
    `#!/bin/sh\n${hookMarker}\n# Refuses a commit whose staged files hold a secret (rampart scan --staged).\nexec ${options.command} scan --staged\n`,
  );
  await chmod(hookPath, 0o755);
  return { installed: true, path: hookPath };
}
