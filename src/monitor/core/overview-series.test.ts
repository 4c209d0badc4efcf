import { describe, expect, it } from 'vitest';
import { OverviewSeries } from './overview-series.js';

const minute = 60_000;
const t0 = Date.UTC(2026, 0, 5, 12, 0, 0);

describe('OverviewSeries', () => {
  it('puts each count in the point of its minute and ends with the current point', () => {
    const s = new OverviewSeries();
    s.addHttp(t0 - 5 * minute, { requests: 10, errors: 1, latencySum: 0.5, latencyCount: 10 });
    s.countEvent('auth.login.failed', t0 - 5 * minute);
    s.countEvent('auth.login.succeeded', t0);
    s.countEvent('apikey.created', t0);
    const points = s.points('1h', t0);
    expect(points).toHaveLength(60);
    expect(points.at(-1)).toMatchObject({ start: t0, loginsSucceeded: 1, requests: 0 });
    expect(points.at(-6)).toMatchObject({ requests: 10, errors: 1, loginsFailed: 1 });
  });

  it('forgets a minute once the ring comes round to it a week later', () => {
    const s = new OverviewSeries();
    s.countEvent('ratelimit.exceeded', t0);
    const week = 7 * 24 * 60 * minute;
    expect(s.points('7d', t0 + week - minute).reduce((n, p) => n + p.rateLimited, 0)).toBe(1);
    expect(s.points('7d', t0 + week).reduce((n, p) => n + p.rateLimited, 0)).toBe(0);
    s.countEvent('ratelimit.exceeded', t0 + week);
    expect(s.points('1h', t0 + week).at(-1)?.rateLimited).toBe(1);
  });

  it('sums fifteen minutes into one point of the day', () => {
    const s = new OverviewSeries();
    for (let m = 0; m < 15; m++) s.countEvent('ip.blocked', t0 + m * minute);
    const points = s.points('24h', t0 + 14 * minute);
    expect(points).toHaveLength(96);
    expect(points.at(-1)).toMatchObject({ start: t0, blocked: 15 });
  });
});
