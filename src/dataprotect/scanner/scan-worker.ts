import { parentPort } from 'node:worker_threads';
import type { SecretFinding } from './core/finding.js';
import { SecretMatcher } from './core/secret-matcher.js';
import { scanFile } from './file-scanner.js';

/** A batch of files for one worker: [absolute path, display path, size]. */
export interface ScanJob {
  id: number;
  files: [string, string, number][];
}

export interface ScanJobResult {
  id: number;
  /** Per file of the job, in order: its findings, or null when skipped as binary. */
  results: (SecretFinding[] | null)[];
  error?: string;
}

// Runs in a worker thread (parallel-scan.ts): scans the files it is sent, one batch at a time.
const port = parentPort;
if (port) {
  const matcher = new SecretMatcher();
  port.on('message', (job: ScanJob) => {
    void (async () => {
      try {
        const results: (SecretFinding[] | null)[] = [];
        for (const [abs, display, size] of job.files)
          results.push((await scanFile(matcher, abs, display, size)) ?? null);
        port.postMessage({ id: job.id, results } satisfies ScanJobResult);
      } catch (error) {
        port.postMessage({
          id: job.id,
          results: [],
          error: error instanceof Error ? error.message : String(error),
        } satisfies ScanJobResult);
      }
    })();
  });
}
