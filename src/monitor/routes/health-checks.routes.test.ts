import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createAdmin,
  createUser,
  expectProblem,
  login,
} from '../../../test/support/http-helpers.js';
import { testDatabaseKinds } from '../../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

for (const database of testDatabaseKinds()) {
  describe(`health check routes on ${database}`, () => {
    let r: TestRampart;
    let server: Server;
    let status = 200;
    let admin: string;

    beforeAll(async () => {
      server = createServer((_req, res) => {
        res.statusCode = status;
        res.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      r = await startTestRampart({
        database,
        overrides: {
          health: {
            nodeId: 'node-1',
            failureThreshold: 1,
            interval: 3600,
            checks: [
              { type: 'http', name: 'upstream', url: `http://127.0.0.1:${port}/`, method: 'GET' },
              // Start-up and password hashing block the loop on a busy test machine.
              { type: 'eventLoop', warnMs: 60_000, failMs: 120_000 },
            ],
          },
        },
      });
      admin = (await createAdmin(r)).token;
    });
    afterAll(async () => {
      await r?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const get = (url: string, token = admin) =>
      r.app.inject({ method: 'GET', url, headers: bearer(token) });

    it('serves every check and the overall status as health+json', async () => {
      await r.health?.monitor.runAll();
      const res = await get('/v1/health/checks');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/health\+json/);
      const body = res.json<{ status: string; checks: Record<string, { status: string }[]> }>();
      expect(body).toMatchObject({ status: 'pass', health: 'healthy', nodeId: 'node-1' });
      // The configured check and the built-ins.
      expect(Object.keys(body.checks).sort()).toEqual(
        [
          'auditBacklog:backlog',
          'database:responseTime',
          'disk:freeSpace',
          'eventLoop:delay',
          'memory:utilization',
          'redis:responseTime',
          'upstream:responseTime',
        ].sort(),
      );
    });

    it('reports a failing check, keeps the change in the history and in the audit trail', async () => {
      status = 500;
      await r.health?.monitor.runAll();
      status = 200;
      const checks = await get('/v1/health/checks');
      expect(checks.json()).toMatchObject({ status: 'warn', health: 'degraded' });

      const history = await get('/v1/health/history?check=upstream&changes=true');
      expect(history.statusCode, history.body).toBe(200);
      const entries = history.json<{ entries: Record<string, unknown>[] }>().entries;
      expect(entries).toEqual([
        expect.objectContaining({
          kind: 'check_changed',
          check: 'upstream',
          status: 'fail',
          previousStatus: 'pass',
          nodeId: 'node-1',
          output: 'status 500',
        }),
      ]);
      // Newest first: the change, then (next page) the run that caused it.
      const page = await get('/v1/health/history?check=upstream&limit=1');
      const first = page.json<{ entries: { kind: string }[]; nextCursor: string }>();
      expect(first.entries.map((e) => e.kind)).toEqual(['check_changed']);
      const next = await get(
        `/v1/health/history?check=upstream&limit=1&cursor=${first.nextCursor}`,
      );
      expect(next.json()).toMatchObject({ entries: [{ kind: 'run', status: 'fail' }] });

      // Events are awaited by the audit trail's group commit.
      await r.health?.close();
      const audit = await get('/v1/admin/audit/events?action=health.*&limit=10');
      expect(
        audit
          .json<{ events: { action: string }[] }>()
          .events.map((e) => e.action)
          .sort(),
      ).toEqual(['health.check.changed', 'health.status.changed']);
    });

    it('exports each check status and duration as metrics', async () => {
      const text = await r.metrics?.render();
      expect(text).toContain(
        'rampart_health_check_status{check="upstream",type="http",status="fail"} 1',
      );
      expect(text).toMatch(
        /rampart_health_check_duration_seconds\{check="upstream",type="http"\} \d/,
      );
      expect(text).toContain('rampart_health_status{status="degraded"} 1');
    });

    it('refuses anonymous callers and callers without monitor:read, and bad queries with 400', async () => {
      expectProblem(
        await r.app.inject({ method: 'GET', url: '/v1/health/checks' }),
        401,
        'authentication_required',
      );
      // An account without a role holds no permission (DEVELOPER inherits VIEWER's *:read).
      const plain = await createUser(r, 'plain@example.com', []);
      const plainToken = await login(r, plain.email, plain.password);
      expectProblem(await get('/v1/health/history', plainToken), 403, 'permission_denied');
      const viewer = await createUser(r, 'viewer@example.com', ['VIEWER']);
      expect(
        (await get('/v1/health/checks', await login(r, viewer.email, viewer.password))).statusCode,
      ).toBe(200);
      expectProblem(await get('/v1/health/history?limit=0'), 400, 'validation_failed');
      expectProblem(await get('/v1/health/history?since=yesterday'), 400, 'validation_failed');
      expectProblem(await get('/v1/health/history?check=A%27--'), 400, 'validation_failed');
    });
  });
}
