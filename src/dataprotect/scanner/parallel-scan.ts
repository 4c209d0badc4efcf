import { Worker } from 'node:worker_threads';
import type { SecretFinding } from './core/finding.js';
import type { ScanStats } from './file-scanner.js';
import type { ScanJob, ScanJobResult } from './scan-worker.js';

/** About this many bytes go to a worker at once: fewer messages, still balanced. */
const batchBytes = 2 * 1024 * 1024;

/**
 * Scans files on `workers` threads. Each worker has its own matcher; the main thread
 * only walks the tree and hands out batches, so throughput grows with cores. Findings
 * come back in the order of `files`.
 */
export async function scanFilesInParallel(
  files: readonly [string, string, number][],
  workers: number,
  stats: ScanStats,
): Promise<SecretFinding[]> {
  const batches: ScanJob[] = [];
  let current: [string, string, number][] = [];
  let size = 0;
  for (const file of files) {
    current.push(file);
    size += file[2];
    if (size >= batchBytes) {
      batches.push({ id: batches.length, files: current });
      current = [];
      size = 0;
    }
  }
  if (current.length > 0) batches.push({ id: batches.length, files: current });
  const results: (SecretFinding[] | null)[][] = new Array(batches.length);
  const pool = Array.from(
    { length: Math.min(workers, batches.length) },
    () => new Worker(new URL('./scan-worker.js', import.meta.url)),
  );
  let next = 0;
  try {
    await Promise.all(
      pool.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const give = () => {
              const job = batches[next++];
              if (job === undefined) return resolve();
              worker.postMessage(job);
            };
            worker.on('message', (done: ScanJobResult) => {
              if (done.error !== undefined) return reject(new Error(done.error));
              results[done.id] = done.results;
              give();
            });
            worker.on('error', reject);
            give();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  const findings: SecretFinding[] = [];
  batches.forEach((batch, b) => {
    batch.files.forEach(([, , bytes], i) => {
      const found = results[b]?.[i];
      if (found === null || found === undefined) {
        stats.skippedBinary++;
        return;
      }
      stats.files++;
      stats.bytes += bytes;
      findings.push(...found);
    });
  });
  return findings;
}
