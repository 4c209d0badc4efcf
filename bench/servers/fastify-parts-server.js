import Fastify from 'fastify';
import { pino } from 'pino';
import { loadConfig } from '../../dist/config/index.js';
import { generateRequestId } from '../../dist/http/request-id.js';
import { createSecurityHeaders } from '../../dist/http/security-headers.js';
import { createLogger, openLogger } from '../../dist/monitor/logger.js';
import { coalesceLines } from '../../dist/monitor/logging/coalescing-destination.js';
import { addRequestLine } from '../lib/request-line-hook.js';
import { serveFromParent } from '../lib/server-child.js';

/** Loop iterations that take about one microsecond here, timed after a warm-up. */
function iterationsPerMicrosecond() {
  spin(2_000_000);
  const n = 20_000_000;
  const start = process.hrtime.bigint();
  spin(n);
  const ns = Number(process.hrtime.bigint() - start);
  return Math.max(1, Math.round((n * 1000) / ns));
}

let sink = 0;
/** Work the JIT cannot drop: an xorshift whose result is kept. */
function spin(n) {
  let x = sink | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  sink = x;
}

/**
 * Bare Fastify with some of the parts under every Rampart request, named in `parts`
 * (joined by `+`): `headers` (Rampart's security headers and request id, its own code from
 * dist/), `line` (one request line through the logger Rampart's default configuration opens),
 * `line-async` (the same line written as Rampart wrote stdout before: asynchronously, each
 * turn's write a round trip through libuv's thread pool),
 * `hooks7` (seven no-op onRequest hooks, as many as a Rampart route runs) or `fused7` (one
 * onRequest hook calling seven no-op steps), or `burnN` (N µs of plain computation per request,
 * a fixed number of loop iterations timed when the server starts: the calibration that shows
 * what a microsecond of work costs in the measurement on this machine). `bare` is none of them.
 */
serveFromParent(async ({ body, path, parts }) => {
  const want = new Set(parts.split('+'));
  const app = Fastify({ logger: false, genReqId: generateRequestId });
  if (want.has('hooks7'))
    for (let i = 0; i < 7; i++) app.addHook('onRequest', (_request, _reply, done) => done());
  if (want.has('fused7')) {
    const steps = Array.from({ length: 7 }, () => () => undefined);
    app.addHook('onRequest', (request, reply, done) => {
      for (const step of steps) {
        const refusal = step(request, reply);
        if (refusal !== undefined) return done(refusal);
      }
      done();
    });
  }
  const burn = [...want].find((part) => /^burn\d+$/.test(part));
  if (burn !== undefined) {
    const iterations = Number(burn.slice(4)) * iterationsPerMicrosecond();
    app.addHook('onRequest', (_request, _reply, done) => {
      spin(iterations);
      done();
    });
  }
  if (want.has('headers')) {
    const headers = createSecurityHeaders({ https: false });
    app.addHook('onRequest', (request, reply, done) => {
      headers.apply(request, reply);
      done();
    });
  }
  if (want.has('line') || want.has('line-async')) {
    const config = loadConfig({ env: {}, noFile: true }).config.log;
    const logger = want.has('line')
      ? (await openLogger(config)).logger
      : createLogger({
          level: config.level,
          destination: coalesceLines(pino.destination({ dest: 1, sync: false })),
        });
    addRequestLine(app, logger, path);
  }
  app.get(path, async () => body);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
});
