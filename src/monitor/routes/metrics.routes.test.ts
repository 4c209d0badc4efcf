import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

const promtool = '/usr/bin/promtool';
const token = 'scrape-token-0123456789abcdef';

function sampleValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(promtool, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

describe('GET /metrics', () => {
  let rampart: TestRampart;
  const scrape = async () => {
    const res = await rampart.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    rampart = await startTestRampart({ overrides: { metrics: { token } } });
  });
  afterAll(async () => {
    await rampart.close();
  });

  it('answers in the Prometheus text format with HTTP, store, system and process metrics', async () => {
    const res = await rampart.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.headers['cache-control']).toBe('no-store');
    for (const name of [
      'rampart_http_requests_in_flight',
      'rampart_store_ping_seconds{store="database",kind="sqlite"}',
      'rampart_store_up{store="hotstore",kind="memory"} 1',
      'rampart_system_memory_total_bytes',
      'rampart_disk_free_bytes',
      'rampart_system_load_average{period="1m"}',
      'rampart_process_cpu_user_seconds_total',
      'rampart_nodejs_eventloop_lag_seconds',
      'rampart_tokens_total{operation="issued"}',
      'rampart_cache_entries{cache="accounts"}',
      'rampart_cache_misses_total{cache="api_keys"}',
      'rampart_database_query_duration_seconds_bucket{le="0.0001",dialect="sqlite",kind="select",outcome="ok"}',
      'rampart_audit_records_written_total',
      'rampart_audit_backlog',
      'rampart_http_connections',
    ]) {
      expect(res.body).toContain(name);
    }
  });

  it('refuses a scrape without the token, or with a wrong one, as problem+json', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token-0123456789abc' },
      { authorization: token },
    ]) {
      const res = await rampart.app.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.json<{ code: string }>().code).toBe('metrics_unauthorized');
      expect(res.body).not.toContain('rampart_');
    }
  });

  it('counts requests under their route pattern, never the raw path', async () => {
    const series = 'rampart_http_requests_total{route="/problems/:code",method="GET",status="200"}';
    const before = sampleValue(await scrape(), series) ?? 0;
    for (const code of ['not_found', 'bad_request']) {
      expect(
        (await rampart.app.inject({ method: 'GET', url: `/problems/${code}` })).statusCode,
      ).toBe(200);
    }
    const text = await scrape();
    expect(sampleValue(text, series)).toBe(before + 2);
    expect(text).not.toContain('/problems/not_found');
    expect(text).toContain(
      'rampart_http_request_duration_seconds_count{route="/problems/:code",method="GET",status="200"}',
    );
    await rampart.app.inject({ method: 'GET', url: '/no/such/path/12345' });
    const after = await scrape();
    expect(after).not.toContain('12345');
    expect(after).toContain('route="unmatched",method="GET",status="404"');
  });

  it('counts a URL the router refused before any hook ran, without leaving it in flight', async () => {
    const series = 'rampart_http_requests_total{route="unmatched",method="GET",status="400"}';
    const before = sampleValue(await scrape(), series) ?? 0;
    const res = await rampart.app.inject({ method: 'GET', url: '/v1/api-keys/%ff' });
    expect(res.statusCode).toBe(400);
    const text = await scrape();
    expect(sampleValue(text, series)).toBe(before + 1);
    expect(sampleValue(text, 'rampart_http_requests_in_flight')).toBe(1); // the scrape itself
  });

  it('counts a failed login as a security event', async () => {
    const series = 'rampart_security_events_total{type="auth.login.failed",outcome="failure"}';
    const before = sampleValue(await scrape(), series) ?? 0;
    const res = await rampart.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: 'nobody@example.com', password: 'not-the-password-1234' },
    });
    expect(res.statusCode).toBe(401);
    expect(sampleValue(await scrape(), series)).toBe(before + 1);
  });

  it('counts background jobs: running, finished by outcome, durations and queued work', async () => {
    // The failed login above went through a detector flush; evaluations run on start.
    await rampart.response.settle();
    await rampart.alerts.manager.settled();
    const text = await scrape();
    for (const job of ['alert_evaluation', 'detector_flush']) {
      expect(sampleValue(text, `rampart_jobs_active{job="${job}"}`)).toBeGreaterThanOrEqual(0);
      expect(
        sampleValue(text, `rampart_jobs_completed_total{job="${job}",outcome="success"}`),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sampleValue(text, `rampart_jobs_completed_total{job="${job}",outcome="failure"}`),
      ).toBe(0);
      expect(
        sampleValue(text, `rampart_job_duration_seconds_count{job="${job}"}`),
      ).toBeGreaterThanOrEqual(1);
    }
    expect(sampleValue(text, 'rampart_jobs_queued{job="alert_delivery"}')).toBe(0);
  });

  // CI installs Debian's prometheus package (.ci/run); without it, say so rather than pass.
  const promtoolTest = existsSync(promtool) ? it : it.skip;
  promtoolTest(
    existsSync(promtool)
      ? 'passes promtool check metrics with no lint problem'
      : 'passes promtool check metrics — SKIPPED: /usr/bin/promtool is missing (apt-get install -y prometheus)',
    async () => {
      await rampart.app.inject({ method: 'GET', url: '/health' });
      const { code, output } = await promtoolCheck(await scrape());
      expect(output).toBe('');
      expect(code).toBe(0);
    },
  );

  it('is left out of the OpenAPI document', async () => {
    const res = await rampart.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json<{ paths: Record<string, unknown> }>().paths)).not.toContain(
      '/metrics',
    );
  });
});

describe('metrics configuration', () => {
  it('counts rate-limited requests and reports the rate-limit store', async () => {
    const rampart = await startTestRampart({
      overrides: { rateLimit: { default: { limit: 1, window: 60 } } },
    });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 2; i++) {
        codes.push(
          (await rampart.app.inject({ method: 'GET', url: '/problems/not_found' })).statusCode,
        );
      }
      expect(codes).toEqual([200, 429]);
      // Read the registry directly: /metrics itself is under the same one-request budget.
      const text = (await rampart.metrics?.render()) ?? '';
      expect(
        sampleValue(
          text,
          'rampart_security_events_total{type="ratelimit.exceeded",outcome="denied"}',
        ),
      ).toBe(1);
      expect(text).toContain('rampart_ratelimit_store_degraded{kind="memory"} 0');
      expect(text).toContain('rampart_store_up{store="ratelimit",kind="memory"} 1');
      expect(
        sampleValue(
          text,
          'rampart_http_requests_total{route="/problems/:code",method="GET",status="429"}',
        ),
      ).toBe(1);
    } finally {
      await rampart.close();
    }
  });

  it('serves nothing at /metrics when metrics.enabled is false', async () => {
    const rampart = await startTestRampart({ overrides: { metrics: { enabled: false } } });
    try {
      expect((await rampart.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
      expect(rampart.metrics).toBeUndefined();
    } finally {
      await rampart.close();
    }
  });

  it('serves /metrics on a separate listener when metrics.port is set, and not on the main one', async () => {
    const rampart = await startTestRampart({ overrides: { metrics: { port: 0, token } } });
    try {
      await rampart.listen();
      const url = rampart.metricsUrl();
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await rampart.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
      const refused = await fetch(`${url}/metrics`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(((await refused.json()) as { code: string }).code).toBe('metrics_unauthorized');
      const ok = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('rampart_security_events_total');
      expect((await fetch(`${url}/other`)).status).toBe(404);
    } finally {
      await rampart.close();
    }
  });
});
