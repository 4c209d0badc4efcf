import { readFileSync } from 'node:fs';

/**
 * `node bench/tools/summarize-cpu-profile.js <file.cpuprofile> [top]`: the frames and
 * packages where a `node --cpu-prof` profile spent its samples, by self time, so a
 * profile from `BENCH_CPU_PROF=1 npm run bench` can be read without DevTools.
 *
 * Times are the profiler's wall-clock deltas: while another process holds the CPU, the
 * gap is charged to whatever frame was running (often a syscall such as `writev`), so
 * on a busy machine compare shares between runs rather than trusting single frames.
 */

const [file, topArg = '25'] = process.argv.slice(2);
if (!file) {
  process.stderr.write(
    'usage: node bench/tools/summarize-cpu-profile.js <file.cpuprofile> [top]\n',
  );
  process.exit(2);
}
const top = Number(topArg);
// Piped into `head`: stop quietly once the reader has had enough.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const profile = JSON.parse(readFileSync(file, 'utf8'));

const nodesById = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMicros = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}

// Where a frame comes from: a package, Rampart's own dist/, the bench, or Node itself.
function origin(url) {
  if (!url) return '(native/V8)';
  if (url.startsWith('node:')) return 'node core';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  const dist = url.match(/\/dist\/(.+)$/);
  if (dist) return `rampart ${dist[1]}`;
  const bench = url.match(/\/bench\/(.+)$/);
  return bench ? `bench ${bench[1]}` : url;
}

function frameName(callFrame) {
  const where = callFrame.url ? `${origin(callFrame.url)}:${callFrame.lineNumber + 1}` : '';
  return `${callFrame.functionName || '(anonymous)'} ${where}`.trim();
}

// Total (inclusive) time: a frame's own samples plus its callees', counted once per
// stack even when the frame recurses.
const byFrameTotal = new Map();
function addTotals(id, onStack) {
  const node = nodesById.get(id);
  const name = frameName(node.callFrame);
  let total = selfMicros.get(id) ?? 0;
  const nested = onStack.has(name);
  if (!nested) onStack.add(name);
  for (const child of node.children ?? []) total += addTotals(child, onStack);
  if (!nested) {
    onStack.delete(name);
    byFrameTotal.set(name, (byFrameTotal.get(name) ?? 0) + total);
  }
  return total;
}
addTotals(profile.nodes[0].id, new Set());
for (const name of ['(root)', '(idle)', '(program)', '(garbage collector)']) {
  byFrameTotal.delete(name);
}

const byFrame = new Map();
const byOrigin = new Map();
let busy = 0;
let idle = 0;
for (const [id, micros] of selfMicros) {
  const { callFrame } = nodesById.get(id);
  if (callFrame.functionName === '(idle)') {
    idle += micros;
    continue;
  }
  busy += micros;
  const frame = frameName(callFrame);
  byFrame.set(frame, (byFrame.get(frame) ?? 0) + micros);
  const place = callFrame.url ? origin(callFrame.url) : callFrame.functionName;
  byOrigin.set(place, (byOrigin.get(place) ?? 0) + micros);
}

function print(title, totals) {
  process.stdout.write(`\n${title}\n`);
  const rows = [...totals].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [name, micros] of rows) {
    const share = ((micros / busy) * 100).toFixed(1).padStart(5);
    const ms = (micros / 1000).toFixed(0).padStart(7);
    process.stdout.write(`${share}%  ${ms} ms  ${name}\n`);
  }
}

process.stdout.write(
  `busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms (shares below are of busy time)\n`,
);
print('by origin (self time)', byOrigin);
print('by frame (self time)', byFrame);
print('by frame (total time, callees included)', byFrameTotal);
