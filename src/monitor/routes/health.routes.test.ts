import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

interface CheckResult {
  status: string;
  observedValue?: unknown;
  observedUnit?: string;
  componentType?: string;
  time: string;
  output?: string;
}
interface Report {
  status: string;
  serviceId: string;
  releaseId: string;
  checks: Record<string, CheckResult[]>;
}

const readinessChecks = [
  'database:responseTime',
  'database:migrations',
  'hotstore:responseTime',
  'signing:keys',
];

describe('health endpoints', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart();
  });
  afterAll(async () => r?.close());

  it('answers liveness with pass as application/health+json, uncached', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/health\+json/);
    expect(res.headers['cache-control']).toBe('no-store');
    const report = res.json<Report>();
    expect(report).toMatchObject({ status: 'pass', serviceId: 'rampart' });
    expect(report.checks.uptime?.[0]).toMatchObject({ observedUnit: 's', status: 'pass' });
  });

  it('answers liveness without touching the database or the hot store', async () => {
    const ping = vi.spyOn(r.database, 'ping');
    const hotPing = vi.spyOn(r.hot, 'ping');
    try {
      const res = await r.app.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(200);
      expect(ping).not.toHaveBeenCalled();
      expect(hotPing).not.toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('answers readiness with every dependency check, each observed and timed', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/health\+json/);
    const report = res.json<Report>();
    expect(report.status).toBe('pass');
    expect(Object.keys(report.checks).sort()).toEqual([...readinessChecks].sort());
    for (const name of readinessChecks) {
      const [result] = report.checks[name] ?? [];
      expect(result, name).toMatchObject({ status: 'pass', observedUnit: expect.any(String) });
      expect(result?.observedValue, name).toBeTypeOf('number');
      expect(Date.parse(result?.time ?? ''), name).not.toBeNaN();
    }
    expect(report.checks['database:migrations']?.[0]?.observedValue).toBe(0);
    expect(report.checks['signing:keys']?.[0]?.observedValue).toBeGreaterThanOrEqual(1);
  });

  it('answers a HEAD on readiness with the status and no body', async () => {
    const res = await r.app.inject({ method: 'HEAD', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });
});

describe('readiness with the database gone', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart();
    await r.database.close();
  });
  afterAll(async () => r?.close());

  it('answers 503 fail and names the failing checks, without driver messages', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/health\+json/);
    const report = res.json<Report>();
    expect(report.status).toBe('fail');
    expect(report.checks['database:responseTime']?.[0]?.status).toBe('fail');
    expect(report.checks['database:migrations']?.[0]?.status).toBe('fail');
    expect(report.checks['hotstore:responseTime']?.[0]?.status).toBe('pass');
    expect(res.body).not.toMatch(/destroyed/i);
  });

  it('still answers liveness with pass: the process is alive', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('pass');
  });
});
