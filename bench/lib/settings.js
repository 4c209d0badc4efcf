import { isAbsolute, resolve } from 'node:path';
import { wrkAvailable } from './wrk.js';

/** Where results, logs and profiles go; gitignored. */
export const resultsDir = new URL('../results/', import.meta.url);

/**
 * One bounded integer from the environment. A benchmark left running by a typo
 * (BENCH_DURATION=6000) would hold a shared machine for hours, so out-of-range
 * values stop the run instead of being clamped silently.
 */
export function readInteger(env, name, fallback, min, max) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(
      `${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`,
    );
  }
  return value;
}

/**
 * The load settings shared by every scenario, read once from the environment and frozen.
 *
 * @example
 * BENCH_DURATION=3 BENCH_WARMUP=1 node bench/run.js me-endpoint
 */
export function readSettings(env = process.env) {
  const logFile = env.BENCH_LOG_FILE || '/dev/null';
  const client = env.BENCH_CLIENT || 'autocannon';
  if (client !== 'autocannon' && client !== 'wrk') {
    throw new Error(`BENCH_CLIENT must be autocannon or wrk (got ${JSON.stringify(client)})`);
  }
  if (client === 'wrk' && !wrkAvailable()) {
    throw new Error('BENCH_CLIENT=wrk needs wrk on the PATH (Debian: apt-get install wrk)');
  }
  return Object.freeze({
    /** Measured seconds per target. */
    duration: readInteger(env, 'BENCH_DURATION', 10, 1, 600),
    /** Seconds of load before each measurement, discarded (JIT, caches, pools). */
    warmup: readInteger(env, 'BENCH_WARMUP', 2, 0, 60),
    /** Concurrent keep-alive connections. */
    connections: readInteger(env, 'BENCH_CONNECTIONS', 50, 1, 256),
    /** Every target is measured once per round; the report shows the median round. */
    rounds: readInteger(env, 'BENCH_ROUNDS', 1, 1, 10),
    /** Where Rampart's stdout (its pino log) goes: /dev/null or a file. */
    logFile: isAbsolute(logFile) ? logFile : resolve(logFile),
    /** Run the Rampart child under `node --cpu-prof`; profiles land in results/profiles. */
    cpuProfile: env.BENCH_CPU_PROF === '1',
    /** The load generator: autocannon (in the runner's process) or wrk (a C client). */
    client,
  });
}
