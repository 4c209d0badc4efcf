import { compareTargets } from '../lib/compare-targets.js';
import { startServer } from '../lib/server-process.js';

export const name = 'floor-parts';
export const description =
  'What the parts under every Rampart request cost on bare Fastify: its security headers, its request line, seven onRequest hooks apart or fused, and 2, 4 and 8 µs of plain computation as calibration';

const server = new URL('../servers/fastify-parts-server.js', import.meta.url);
const body = { items: [{ id: 'ord_1', amount: 4200, currency: 'EUR' }], next: null };

const variants = [
  ['bare', 'bare Fastify'],
  ['hooks7', '+ 7 no-op onRequest hooks'],
  ['fused7', '+ 1 onRequest hook calling 7 no-op steps'],
  ['headers', "+ Rampart's headers and request id"],
  ['line', "+ Rampart's request line"],
  ['line-async', '+ the same line, written asynchronously'],
  ['headers+line', "+ Rampart's headers, request id and request line"],
  // Calibration: what a known amount of work costs in this measurement.
  ['burn2', '+ 2 µs of plain computation'],
  ['burn4', '+ 4 µs of plain computation'],
  ['burn8', '+ 8 µs of plain computation'],
];

/**
 * @param {{ settings: ReturnType<typeof import('../lib/settings.js').readSettings>, log: (line: string) => void }} context
 */
export async function run({ settings, log }) {
  // FLOOR_PARTS=bare,line,line-async measures only those.
  const only = process.env.FLOOR_PARTS?.split(',');
  const chosen = only ? variants.filter(([parts]) => only.includes(parts)) : variants;
  const started = [];
  try {
    const targets = [];
    for (const [parts, label] of chosen) {
      log(`  starting ${label}`);
      const target = await startServer(server, {
        stdout: settings.logFile,
        input: { body, path: '/api/orders', parts },
      });
      started.push(target);
      targets.push({
        id: parts,
        label,
        server: target,
        request: { url: `${target.url}/api/orders`, headers: {} },
      });
    }
    const results = await compareTargets(targets, settings, log);
    const bare = results[0];
    const notes = results
      .slice(1)
      .map(
        (r) =>
          `${r.label}: ${(r.cpuMicrosPerRequest - bare.cpuMicrosPerRequest).toFixed(1)} µs/request more than bare Fastify (${(r.rps / bare.rps).toFixed(2)} of its req/s).`,
      );
    notes.push(
      `The request line goes to ${settings.logFile}, as Rampart's does in the other scenarios.`,
    );
    return { targets: results, comparisons: [], notes };
  } finally {
    for (const target of started) await target.stop();
  }
}
