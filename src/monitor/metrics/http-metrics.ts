import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { onRouterRefusal } from '../../http/router-refusals.js';
import { routePatternOf } from '../logging/request-logger.js';
import { type HistogramSeries, SeriesHistogram } from './series-histogram.js';

// Methods with a series of their own, numbered for the per-route table; any other is OTHER.
const methodNumbers = new Map(
  ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((m, i) => [m, i + 1]),
);
// Seconds; from a cached authorization decision up to a slow upstream behind the gateway.
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface RequestSeries {
  labels: { route: string; method: string; status: string };
  /** Requests answered since the counter last collected them. */
  uncounted: number;
  latency: HistogramSeries;
}

/**
 * Whether the request was counted as in flight (and not yet settled). A request field
 * declared up front, so setting it does not change the request object's shape.
 */
const inFlight = Symbol('rampart.metrics.inFlight');
type CountedRequest = FastifyRequest & { [inFlight]: boolean };

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
  // Every series in the order it was first seen (the order the counter lists them in),
  // and per route pattern, by method and status as one number: a request finds its series
  // without building a label object or a string key (the route's string is Fastify's own,
  // its hash computed once).
  const series: RequestSeries[] = [];
  const byRoute = new Map<string, Map<number, RequestSeries>>();
  // Counted in a plain field per series and added to the counter when it is read (a
  // scrape, the overview sampler, an alert rule: prom-client's get() calls collect
  // first): a labelled inc() hashes its labels, ~0.5 µs on every request.
  new Counter({
    name: 'rampart_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
    collect() {
      for (const s of series) {
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
  // Kept in a plain number and set when read, for the same reason as the counter.
  let active = 0;
  new Gauge({
    name: 'rampart_http_requests_in_flight',
    help: 'HTTP requests received and not yet answered.',
    registers: [registry],
    collect() {
      this.set(active);
    },
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

  const seriesOf = (route: string, method: string, statusCode: number): RequestSeries => {
    const number = methodNumbers.get(method) ?? 0;
    let ofRoute = byRoute.get(route);
    if (ofRoute === undefined) {
      ofRoute = new Map();
      byRoute.set(route, ofRoute);
    }
    const key = statusCode * 8 + number;
    let s = ofRoute.get(key);
    if (s === undefined) {
      const labels = { route, method: number === 0 ? 'OTHER' : method, status: String(statusCode) };
      s = { labels, uncounted: 0, latency: duration.series(labels) };
      ofRoute.set(key, s);
      series.push(s);
    }
    return s;
  };

  const settle = (request: CountedRequest) => {
    if (request[inFlight] !== true) return;
    request[inFlight] = false;
    active--;
  };

  if (!app.hasRequestDecorator(inFlight as unknown as string))
    app.decorateRequest(inFlight as unknown as string, false);
  app.addHook('onRequest', (request, _reply, done) => {
    (request as CountedRequest)[inFlight] = true;
    active++;
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    settle(request as CountedRequest);
    done();
  });
  const count = (request: FastifyRequest, reply: FastifyReply) => {
    const s = seriesOf(routePatternOf(request) ?? 'unmatched', request.method, reply.statusCode);
    s.uncounted++;
    s.latency.observe(reply.elapsedTime / 1000);
  };
  app.addHook('onResponse', (request, reply, done) => {
    settle(request as CountedRequest);
    count(request, reply);
    done();
  });
  // Answered by the router before any hook ran (an undecodable URL): counted, never in flight.
  onRouterRefusal(app, (request, reply) => count(request, reply));
}
