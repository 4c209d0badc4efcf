import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Authenticator } from '../../identity/authenticate.js';
import { type OverviewWindow, overviewWindows } from '../core/overview-series.js';
import type { OverviewSampler } from '../overview-sampler.js';
import { OverviewSchema } from '../schemas.js';

export interface OverviewRoutesOptions {
  sampler: OverviewSampler;
  auth: Authenticator;
  /** False when metrics are off: the HTTP series are then absent (null). */
  httpSeries: boolean;
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** `GET /v1/monitor/overview`: the dashboard's charts, as a small JSON time series. */
export const overviewRoutes: FastifyPluginAsyncTypebox<OverviewRoutesOptions> = async (
  app,
  { sampler, auth, httpSeries },
) => {
  app.get(
    '/v1/monitor/overview',
    {
      preHandler: auth.requirePermission('metrics:read'),
      schema: {
        tags: ['monitor'],
        summary: 'Requests, errors, latency, logins, rate-limited and blocked requests over time',
        description:
          "This node's traffic and security events over the last hour (1-minute points), day (15-minute points) or week (2-hour points). Kept in memory per node: a restart starts afresh. Needs metrics:read.",
        security: [{ bearerAuth: [] }],
        querystring: Type.Object(
          {
            window: Type.Union([Type.Literal('1h'), Type.Literal('24h'), Type.Literal('7d')], {
              default: '1h',
            }),
          },
          { additionalProperties: false },
        ),
        response: { 200: OverviewSchema },
      },
    },
    async (request, reply) => {
      const window = request.query.window as OverviewWindow;
      await sampler.sample();
      const now = Date.now();
      const points = sampler.series.points(window, now);
      const totals = { requests: 0, errors: 0, latencySum: 0, latencyCount: 0 };
      const series = points.map((p) => {
        totals.requests += p.requests;
        totals.errors += p.errors;
        totals.latencySum += p.latencySum;
        totals.latencyCount += p.latencyCount;
        return {
          time: new Date(p.start).toISOString(),
          requests: httpSeries ? p.requests : null,
          errors: httpSeries ? p.errors : null,
          error_rate: httpSeries ? (p.requests > 0 ? round(p.errors / p.requests, 4) : 0) : null,
          latency_ms:
            httpSeries && p.latencyCount > 0 ? round((p.latencySum / p.latencyCount) * 1000) : null,
          logins_succeeded: p.loginsSucceeded,
          logins_failed: p.loginsFailed,
          rate_limited: p.rateLimited,
          blocked: p.blocked,
        };
      });
      reply.header('cache-control', 'no-store');
      return {
        window,
        step_seconds: overviewWindows[window].step * 60,
        generated_at: new Date(now).toISOString(),
        http_series: httpSeries,
        totals: {
          requests: httpSeries ? totals.requests : null,
          errors: httpSeries ? totals.errors : null,
          error_rate:
            httpSeries && totals.requests > 0 ? round(totals.errors / totals.requests, 4) : null,
          latency_ms:
            httpSeries && totals.latencyCount > 0
              ? round((totals.latencySum / totals.latencyCount) * 1000)
              : null,
          logins_succeeded: series.reduce((s, p) => s + p.logins_succeeded, 0),
          logins_failed: series.reduce((s, p) => s + p.logins_failed, 0),
          rate_limited: series.reduce((s, p) => s + p.rate_limited, 0),
          blocked: series.reduce((s, p) => s + p.blocked, 0),
        },
        points: series,
      };
    },
  );
};
