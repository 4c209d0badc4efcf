import { existsSync } from 'node:fs';

/**
 * `node bench/tools/terminal-safe-line-cost.js` (after `npm run build`): what
 * terminalSafeLine (src/monitor/logging/terminal-safe-line.ts) adds to a log line, in
 * nanoseconds, for a 250-byte request line in ASCII (the common case, where it only
 * tests), with ordinary non-ASCII text, with an emoji (a surrogate pair, which it finds and
 * keeps) and with a character it escapes.
 *
 * Each case runs over a thousand distinct flat strings (so no result is cached) and is
 * compared with the same loop without the call; the best of five rounds is shown.
 */

const built = new URL('../../dist/monitor/logging/terminal-safe-line.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write('dist/ is missing: run `npm run build` first\n');
  process.exit(2);
}
const { terminalSafeLine } = await import(built.href);

const requestLine = (i, url) =>
  `{"level":"info","time":"2026-11-29T12:00:00.123Z","pid":4242,"hostname":"node-a","service":"rampart","reqId":"${String(1000 + i)}-4b1e-9c7d","action":"read","method":"GET","route":"/v1/items/:id","url":"${url}","status":200,"ms":1.2,"ip":"10.0.0.7","msg":"request"}\n`;

const cases = {
  ascii: (i) => requestLine(i, `/v1/items/${i}`),
  'non-ASCII (é 中)': (i) => requestLine(i, `/v1/items/${i}/é 中`),
  'an emoji (🦊)': (i) => requestLine(i, `/v1/items/${i}/🦊`),
  'with U+009B': (i) => requestLine(i, `/v1/items/${i}\u009b31m`),
};

const iterations = 2_000_000;
function nsPerLine(lines, f) {
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink += f(lines[i % lines.length]).length;
    best = Math.min(best, Number(process.hrtime.bigint() - start) / iterations);
  }
  if (sink === 0) throw new Error('unreachable');
  return best;
}

for (const [name, make] of Object.entries(cases)) {
  const lines = Array.from({ length: 1000 }, (_, i) => make(i));
  const bare = nsPerLine(lines, (line) => line);
  const safe = nsPerLine(lines, terminalSafeLine);
  process.stdout.write(
    `${name.padEnd(22)} ${String(lines[0].length).padStart(4)} chars  +${(safe - bare).toFixed(0)} ns a line\n`,
  );
}
