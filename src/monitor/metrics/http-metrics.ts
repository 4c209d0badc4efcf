import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { routePatternOf } from '../logging/request-logger.js';
import { type HistogramSeries, SeriesHistogram } from './series-histogram.js';

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
// Seconds; from a cached authorization decision up to a slow upstream behind the gateway.
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface RequestSeries {
  labels: { route: string; method: string; status: string };
  /** Requests answered since the counter last collected them. */
  uncounted: number;
  latency: HistogramSeries;
}

const inFlight = Symbol('rampart.metrics.inFlight');
type CountedRequest = FastifyRequest & { [inFlight]?: true };

/**
 * Counts every request by route pattern, method and status, observes its latency and
 * tracks how many are in flight. The route is the pattern as registered
 * (`/v1/users/:id`), never the raw URL, and unknown methods fold into `OTHER`, so the
 * number of series stays bounded whatever clients send. Register it on the root instance
 * before the first other hook, so requests refused early (IP rules) are counted too.
 *
 * @example
 * registerHttpMetrics(app, registry);
 */
export function registerHttpMetrics(app: FastifyInstance, registry: Registry): void {
  // Resolving a labelled child hashes its labels; the set of keys is bounded, so cache them.
  const series = new Map<string, RequestSeries>();
  // Counted in a plain field per series and added to the counter when it is read (a
  // scrape, the overview sampler, an alert rule: prom-client's get() calls collect
  // first): a labelled inc() hashes its labels, ~0.5 µs on every request.
  new Counter({
    name: 'rampart_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
    collect() {
      for (const s of series.values()) {
        if (s.uncounted === 0) continue;
        this.inc(s.labels, s.uncounted);
        s.uncounted = 0;
      }
    },
  });
  // Its series keep their own bucket counts: prom-client's observe hashes the labels.
  const duration = new SeriesHistogram({
    name: 'rampart_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its response, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: latencyBuckets,
    registers: [registry],
  });
  const active = new Gauge({
    name: 'rampart_http_requests_in_flight',
    help: 'HTTP requests received and not yet answered.',
    registers: [registry],
  });
  new Gauge({
    name: 'rampart_http_connections',
    help: 'Open client connections to this listener (keep-alive connections included).',
    registers: [registry],
    async collect() {
      const server = app.server;
      if (!server.listening) return this.set(0);
      const count = await new Promise<number>((resolve) => {
        server.getConnections((error, n) => resolve(error ? 0 : n));
      });
      this.set(count);
    },
  });

  const settle = (request: CountedRequest) => {
    if (request[inFlight] === undefined) return;
    request[inFlight] = undefined;
    active.dec();
  };

  app.addHook('onRequest', (request: CountedRequest, _reply, done) => {
    request[inFlight] = true;
    active.inc();
    done();
  });
  app.addHook('onRequestAbort', (request: CountedRequest, done) => {
    settle(request);
    done();
  });
  app.addHook('onResponse', (request: CountedRequest, reply, done) => {
    settle(request);
    const route = routePatternOf(request) ?? 'unmatched';
    const method = knownMethods.has(request.method) ? request.method : 'OTHER';
    const status = String(reply.statusCode);
    const key = `${method} ${status} ${route}`;
    let s = series.get(key);
    if (s === undefined) {
      const labels = { route, method, status };
      s = { labels, uncounted: 0, latency: duration.series(labels) };
      series.set(key, s);
    }
    s.uncounted++;
    s.latency.observe(reply.elapsedTime / 1000);
    done();
  });
}
