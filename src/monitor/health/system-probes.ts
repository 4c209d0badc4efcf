import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { HealthObservation, HealthStatus } from '../core/health.js';

const round = (n: number) => Math.round(n * 100) / 100;

/** `warn` at or past `warnAt`, `fail` at or past `failAt`, for a value that is bad when high. */
function statusAbove(value: number, warnAt: number, failAt: number): HealthStatus {
  return value >= failAt ? 'fail' : value >= warnAt ? 'warn' : 'pass';
}

/**
 * statfs of `path`, or of its nearest existing ancestor: the data directory may not exist
 * yet (SQLite elsewhere, nothing written), and the file system it will live on is what
 * counts.
 */
async function statfsNearest(path: string) {
  let current = resolve(path);
  for (;;) {
    try {
      return await statfs(current);
    } catch (error) {
      const parent = dirname(current);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw error;
      current = parent;
    }
  }
}

/** Free space on the file system holding `path`, in percent of its size. */
export function diskProbe(options: {
  path: string;
  warnFreePercent: number;
  failFreePercent: number;
}) {
  return async (): Promise<HealthObservation> => {
    const s = await statfsNearest(options.path);
    const free = s.blocks > 0 ? round((s.bavail / s.blocks) * 100) : 0;
    const status: HealthStatus =
      free <= options.failFreePercent ? 'fail' : free <= options.warnFreePercent ? 'warn' : 'pass';
    return {
      componentType: 'system',
      observedValue: free,
      observedUnit: 'percent free',
      status,
      ...(status === 'pass'
        ? {}
        : { output: `${Math.round((s.bavail * s.bsize) / 1_048_576)} MiB free` }),
    };
  };
}

/**
 * The V8 heap in use, in percent of its limit: the process dies with an out-of-memory
 * error when it reaches 100, whatever the machine has free.
 */
export function memoryProbe(options: { warnPercent: number; failPercent: number }) {
  return async (): Promise<HealthObservation> => {
    const h = getHeapStatistics();
    const used = round((h.used_heap_size / h.heap_size_limit) * 100);
    return {
      componentType: 'system',
      observedValue: used,
      observedUnit: 'percent of heap limit',
      status: statusAbove(used, options.warnPercent, options.failPercent),
    };
  };
}

/**
 * Event-loop lag: the 99th percentile of the delay since the previous run, from Node's
 * sampling histogram (perf_hooks). Long synchronous work shows here before requests
 * time out. Call `close()` to stop sampling.
 */
export function eventLoopProbe(options: { warnMs: number; failMs: number }) {
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  return {
    run: async (): Promise<HealthObservation> => {
      // No sample yet (the first run right at start): report no lag rather than NaN.
      const p99 = histogram.count > 0 ? round(histogram.percentile(99) / 1e6) : 0;
      histogram.reset();
      return {
        componentType: 'system',
        observedValue: p99,
        observedUnit: 'ms',
        status: statusAbove(p99, options.warnMs, options.failMs),
      };
    },
    close: () => histogram.disable(),
  };
}

/** Security events waiting to be written to the audit trail. */
export function auditBacklogProbe(options: {
  backlog: () => number;
  warnAt: number;
  failAt: number;
}) {
  return async (): Promise<HealthObservation> => {
    const backlog = options.backlog();
    return {
      componentType: 'datastore',
      observedValue: backlog,
      observedUnit: 'events',
      status: statusAbove(backlog, options.warnAt, options.failAt),
    };
  };
}
