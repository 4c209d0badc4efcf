import { readBaseline, writeBaseline } from './baseline.js';
import type { SecretFinding } from './core/finding.js';
import { SecretMatcher } from './core/secret-matcher.js';
import { loadIgnoreFile, scanPaths } from './file-scanner.js';
import { scanHistory, scanStaged } from './git-scanner.js';
import { checkFoundKeys, type KeyCheck } from './key-check.js';
import type { ScanOutcome } from './scan-report.js';

export interface RunScanOptions {
  cwd: string;
  paths: readonly string[];
  mode: 'files' | 'staged' | 'history';
  maxFileBytes: number;
  /** Worker threads for large trees (files mode); 1 scans on the main thread. */
  workers?: number;
  baseline?: string;
  updateBaseline?: boolean;
  server?: { url: string; token: string; revoke: boolean };
}

/**
 * One scan as the CLI runs it: find, subtract the baseline (or rewrite it), and check
 * the Rampart keys found against a server when asked.
 *
 * @example
 * const outcome = await runScan({ cwd, paths: ['.'], mode: 'files', maxFileBytes: 25e6 });
 * if (outcome.fresh.length > 0) process.exitCode = 1;
 */
export async function runScan(options: RunScanOptions): Promise<ScanOutcome> {
  const matcher = new SecretMatcher();
  const ignore = await loadIgnoreFile(options.cwd);
  const found =
    options.mode === 'staged'
      ? await scanStaged(matcher, { cwd: options.cwd, ignore, maxFileBytes: options.maxFileBytes })
      : options.mode === 'history'
        ? await scanHistory(matcher, { cwd: options.cwd, ignore })
        : await scanPaths(matcher, options.paths, {
            root: options.cwd,
            ignore,
            maxFileBytes: options.maxFileBytes,
            ...(options.workers ? { workers: options.workers } : {}),
          });
  if (options.baseline && options.updateBaseline) {
    await writeBaseline(options.baseline, found.findings);
    return { fresh: [], baselined: found.findings.length, stats: found.stats, checks: new Map() };
  }
  const accepted = options.baseline ? await readBaseline(options.baseline) : new Set<string>();
  const fresh: SecretFinding[] = found.findings.filter((f) => !accepted.has(f.fingerprint));
  const checks: Map<SecretFinding, KeyCheck> = options.server
    ? await checkFoundKeys(fresh, {
        server: options.server.url,
        token: options.server.token,
        revoke: options.server.revoke,
      })
    : new Map();
  return { fresh, baselined: found.findings.length - fresh.length, stats: found.stats, checks };
}
