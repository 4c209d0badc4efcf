import autocannon from 'autocannon';
import { runWrk } from './wrk.js';

function assertLoopback(url) {
  const { hostname } = new URL(url);
  if (hostname !== '127.0.0.1') {
    throw new Error(`refusing to load ${url}: benchmarks only target 127.0.0.1`);
  }
}

async function fire(options, client) {
  if (client === 'wrk') return runWrk(options);
  const result = await autocannon(options);
  // A benchmark of error responses measures the error path, not the endpoint.
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${options.url}: ${result.non2xx} non-2xx responses, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return result;
}

/**
 * Loads one URL with the chosen client (autocannon, or wrk with `BENCH_CLIENT=wrk`): a
 * discarded warm-up, then the measured run. Every response must be 2xx, otherwise the run
 * is refused.
 *
 * With `server` (from startServer), the server's CPU time per request is measured too.
 * On a shared machine it is steadier than req/s: another process taking the CPU away
 * lowers throughput but barely changes how much CPU each request needs.
 *
 * @param {{ url: string, method?: string, headers?: Record<string, string>, body?: string }} request
 * @param {{ duration: number, warmup: number, connections: number }} settings
 * @param {{ cpuUsage: () => Promise<NodeJS.CpuUsage> }} [server]
 *
 * @example
 * const m = await measureLoad({ url: 'http://127.0.0.1:3000/v1/me' }, settings);
 * console.log(m.rps, m.p99);
 */
export async function measureLoad(request, settings, server) {
  assertLoopback(request.url);
  const base = {
    url: request.url,
    method: request.method ?? 'GET',
    headers: request.headers ?? {},
    ...(request.body === undefined ? {} : { body: request.body }),
    connections: settings.connections,
    pipelining: 1,
    timeout: 10,
  };
  if (settings.warmup > 0) await fire({ ...base, duration: settings.warmup }, settings.client);
  const cpuBefore = await server?.cpuUsage();
  const result = await fire({ ...base, duration: settings.duration }, settings.client);
  const cpuAfter = await server?.cpuUsage();
  const cpuMicros =
    cpuBefore && cpuAfter
      ? cpuAfter.user - cpuBefore.user + (cpuAfter.system - cpuBefore.system)
      : undefined;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    latencyMean: result.latency.average,
    requests: result.requests.total,
    seconds: result.duration,
    ...(cpuMicros === undefined
      ? {}
      : {
          cpuMicrosPerRequest: cpuMicros / result.requests.total,
          // Of which in the kernel (system time: socket reads and writes, epoll, the log's writes).
          systemMicrosPerRequest: (cpuAfter.system - cpuBefore.system) / result.requests.total,
          // How busy the server's single thread was: near 1 means it was the bottleneck.
          serverCpuShare: cpuMicros / (result.duration * 1e6),
        }),
  };
}
