import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createAdmin, login } from '../../../test/support/http-helpers.js';
import {
  startTestRampart,
  strongPassword,
  type TestRampart,
} from '../../../test/support/test-rampart.js';

interface OverviewJson {
  window: string;
  step_seconds: number;
  http_series: boolean;
  totals: Record<string, number | null>;
  points: ({ time: string } & Record<string, number | null>)[];
}

describe('GET /v1/monitor/overview', () => {
  let r: TestRampart;
  let token: string;
  beforeAll(async () => {
    r = await startTestRampart();
    token = (await createAdmin(r)).token;
  });
  afterAll(async () => r?.close());

  const overview = async (window?: string) => {
    const res = await r.app.inject({
      method: 'GET',
      url: `/v1/monitor/overview${window ? `?window=${window}` : ''}`,
      headers: bearer(token),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<OverviewJson>();
  };

  it('counts requests, logins by outcome, rate-limited and blocked requests in the last hour', async () => {
    await overview();
    for (let i = 0; i < 3; i++) {
      await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'nobody@example.com', password: 'wrong' },
      });
    }
    await r.events.publish({
      type: 'ratelimit.exceeded',
      outcome: 'denied',
      actor: { kind: 'anonymous' },
      details: {},
    });
    await r.events.publish({
      type: 'ip.blocked',
      outcome: 'denied',
      actor: { kind: 'anonymous' },
      details: {},
    });
    const body = await overview('1h');
    expect(body.window).toBe('1h');
    expect(body.step_seconds).toBe(60);
    expect(body.points).toHaveLength(60);
    expect(body.http_series).toBe(true);
    expect(body.totals.logins_failed).toBe(3);
    expect(body.totals.logins_succeeded).toBeGreaterThanOrEqual(1);
    expect(body.totals.rate_limited).toBe(1);
    expect(body.totals.blocked).toBe(1);
    expect(body.totals.requests).toBeGreaterThanOrEqual(4);
    expect(body.totals.latency_ms).toBeGreaterThan(0);
    expect(body.points.reduce((sum, p) => sum + (p.logins_failed ?? 0), 0)).toBe(3);
    expect(Date.parse(body.points.at(-1)!.time)).toBeLessThanOrEqual(Date.now());
  });

  it('folds the day into 15-minute points and the week into 2-hour points', async () => {
    const day = await overview('24h');
    expect(day.step_seconds).toBe(900);
    expect(day.points).toHaveLength(96);
    const week = await overview('7d');
    expect(week.step_seconds).toBe(7200);
    expect(week.points).toHaveLength(84);
    expect(week.totals.logins_failed).toBe(day.totals.logins_failed);
  });

  it('is open to a VIEWER (metrics:read) and refuses an unknown window', async () => {
    const email = 'viewer@example.com';
    const password = strongPassword();
    await r.accounts.createAccount({ email, password, roles: ['VIEWER'] }, { kind: 'system' });
    const viewer = await login(r, email, password);
    const ok = await r.app.inject({
      method: 'GET',
      url: '/v1/monitor/overview',
      headers: bearer(viewer),
    });
    expect(ok.statusCode).toBe(200);
    const bad = await r.app.inject({
      method: 'GET',
      url: '/v1/monitor/overview?window=1y',
      headers: bearer(viewer),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('validation_failed');
    const anonymous = await r.app.inject({ method: 'GET', url: '/v1/monitor/overview' });
    expect(anonymous.json().code).toBe('authentication_required');
  });

  it('reports null HTTP series when metrics are off', async () => {
    const off = await startTestRampart({ overrides: { metrics: { enabled: false } } });
    try {
      const admin = await createAdmin(off);
      const res = await off.app.inject({
        method: 'GET',
        url: '/v1/monitor/overview',
        headers: bearer(admin.token),
      });
      const body = res.json<OverviewJson>();
      expect(body.http_series).toBe(false);
      expect(body.totals.requests).toBeNull();
      expect(body.totals.logins_succeeded).toBe(1);
    } finally {
      await off.close();
    }
  });
});
