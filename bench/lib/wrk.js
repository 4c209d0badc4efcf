import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when a `wrk` binary (Debian: `apt-get install wrk`) is on the PATH. */
export function wrkAvailable() {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

const units = { us: 1e-3, ms: 1, s: 1000 };

function toMs(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) throw new Error(`wrk: unreadable latency ${text}`);
  // Whole microseconds: 6.89ms times 1 is 6.890000000000001 in floating point.
  return Math.round(Number(m[1]) * units[m[2]] * 1000) / 1000;
}

/** A Lua string literal for wrk's script (any bytes, escaped). */
function lua(text) {
  return `"${[...Buffer.from(text)].map((b) => `\\${b}`).join('')}"`;
}

/**
 * One wrk run: one thread (a C client on epoll, so the load generator's own HTTP parsing
 * takes little of the CPU the server shares with it), `connections` keep-alive
 * connections, each with one request in flight. Returns what autocannon's result would
 * give the caller: requests per second, the latency percentiles and the counts.
 * Any non-2xx/3xx response or socket error rejects, as with autocannon.
 *
 * @example
 * const r = await runWrk({ url, headers: {}, connections: 50, duration: 10 });
 */
export function runWrk({ url, method = 'GET', headers = {}, body, connections, duration }) {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-wrk-'));
  const script = join(dir, 'request.lua');
  const lines = [`wrk.method = ${lua(method)}`];
  for (const [name, value] of Object.entries(headers)) {
    lines.push(`wrk.headers[${lua(name)}] = ${lua(value)}`);
  }
  if (body !== undefined) lines.push(`wrk.body = ${lua(body)}`);
  writeFileSync(script, `${lines.join('\n')}\n`);
  const args = ['-t1', `-c${connections}`, `-d${duration}s`, '--latency', '--timeout', '10s'];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', [...args, '-s', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`wrk exited with ${code}: ${out}`));
      const total = /(\d+) requests in ([\d.]+)(us|ms|s)/.exec(out);
      const p50 = /^\s+50%\s+(\S+)/m.exec(out);
      const p99 = /^\s+99%\s+(\S+)/m.exec(out);
      const mean = /^\s+Latency\s+(\S+)/m.exec(out);
      if (!total || !p50 || !p99 || !mean)
        return reject(new Error(`wrk: unreadable output: ${out}`));
      const bad = /Non-2xx or 3xx responses: (\d+)/.exec(out);
      const errors = /Socket errors: (.*)/.exec(out);
      if (bad || errors) return reject(new Error(`${url}: ${bad?.[0] ?? ''} ${errors?.[0] ?? ''}`));
      const requests = Number(total[1]);
      const seconds = toMs(`${total[2]}${total[3]}`) / 1000;
      resolve({
        requests: { average: requests / seconds, total: requests },
        latency: { p50: toMs(p50[1]), p99: toMs(p99[1]), average: toMs(mean[1]) },
        duration: seconds,
      });
    });
  });
}
