import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { resultsDir } from './settings.js';

/** What the numbers were measured on; benchmark results mean little without it. */
export function describeMachine() {
  let commit = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // Not a git checkout (a packed tarball): the commit is simply unknown.
  }
  const cores = cpus();
  return {
    cores: cores.length,
    cpu: cores[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    commit,
  };
}

function pad(text, width, alignRight) {
  return alignRight ? text.padStart(width) : text.padEnd(width);
}

function table(header, rows, rightAligned) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => pad(c, widths[i], rightAligned[i]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
// Latencies as the clients give them (autocannon whole ms, wrk µs), at most two decimals.
const millis = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** The human summary of one scenario's result, as lines. */
export function formatResult(result) {
  const lines = [
    ...table(
      ['target', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'server CPU busy'],
      result.targets.map((t) => [
        t.label,
        integer.format(t.rps),
        millis.format(t.p50),
        millis.format(t.p99),
        t.cpuMicrosPerRequest === undefined ? '-' : t.cpuMicrosPerRequest.toFixed(0),
        t.serverCpuShare === undefined ? '-' : `${Math.round(t.serverCpuShare * 100)}%`,
      ]),
      [false, true, true, true, true, true],
    ),
    '',
  ];
  if (result.comparisons.length > 0) {
    lines.push(
      ...table(
        ['ratio', 'req/s', 'target', 'verdict', 'from CPU µs/req'],
        result.comparisons.map((c) => [
          c.label,
          c.ratio.toFixed(2),
          c.minimum === undefined ? '-' : `>= ${c.minimum.toFixed(2)}`,
          c.pass === undefined ? '-' : c.pass ? 'PASS' : 'MISS',
          c.cpuRatio === undefined ? '-' : c.cpuRatio.toFixed(2),
        ]),
        [false, true, true, false, true],
      ),
      '',
    );
  }
  for (const note of result.notes) lines.push(`note: ${note}`);
  return lines;
}

/** Writes the full result (every round) to results/<time>-<scenario>.json; returns the path. */
export function writeResult(result) {
  mkdirSync(resultsDir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const file = new URL(`${stamp}-${result.scenario}.json`, resultsDir);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file.pathname;
}
