import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port.js';
import type { RampartConfig } from '../../config/schema.js';
import { EventBus } from '../../events/event-bus.js';
import type { SecurityEvent } from '../../events/security-event.js';
import { type DatabaseHandle, openDatabase } from '../../storage/database.js';
import { migrateToLatest } from '../../storage/migrate.js';
import { SqlHealthHistoryStore } from '../../storage/sql/sql-health-store.js';
import type { ScheduledCheck } from '../core/health-monitor.js';
import { JobTracker } from '../core/job-tracker.js';
import { HealthService } from './health-service.js';
import { buildScheduledChecks, type HealthCheckConfig } from './scheduled-checks.js';

interface Target {
  url: string;
  /** The status answered; `hang` never answers. */
  mode: number | 'hang';
  /** The status answered from the next request on, once one was answered. */
  after?: number;
  hits: number;
  close(): Promise<void>;
}

async function startTarget(): Promise<Target> {
  const sockets = new Set<Socket>();
  const target: { mode: number | 'hang'; after?: number; hits: number } = { mode: 200, hits: 0 };
  const server: Server = createServer((_req, res) => {
    target.hits++;
    if (target.mode === 'hang') return;
    res.statusCode = target.mode;
    res.end('ok');
    if (target.after !== undefined) target.mode = target.after;
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(target, {
    url: `http://127.0.0.1:${port}/healthz`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
}

function healthConfig(checks: HealthCheckConfig[], over: Partial<RampartConfig['health']> = {}) {
  return {
    enabled: true,
    nodeId: 'node-a',
    interval: 3600,
    timeoutMs: 2000,
    failureThreshold: 2,
    builtins: false,
    checks,
    history: { results: true, retentionDays: 7 },
    ...over,
  } satisfies RampartConfig['health'];
}

describe('scheduled health checks', () => {
  let database: DatabaseHandle;
  let target: Target;
  let events: SecurityEvent[];
  let bus: EventBus;
  const services: HealthService[] = [];

  beforeEach(async () => {
    database = openDatabase('sqlite::memory:');
    await migrateToLatest(database);
    target = await startTarget();
    events = [];
    bus = new EventBus({ onHandlerError: (e) => expect.fail(String(e)) });
    bus.subscribe('test', (e) => {
      events.push(e);
    });
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close();
    await target.close();
    await database.close();
  });

  function service(
    config: RampartConfig['health'],
    jobs?: JobTracker,
    hot: { kind: string; ping(): Promise<number> } = { kind: 'memory', ping: async () => 0.01 },
  ): HealthService {
    const built = buildScheduledChecks(config, {
      dataDir: '.',
      database,
      hot,
      auditBacklog: () => 3,
    });
    const s = new HealthService({
      config,
      checks: built.checks,
      store: new SqlHealthHistoryStore(database.db),
      events: bus,
      releaseId: 'test',
      onBackgroundError: (e) => expect.fail(String(e)),
      onClose: built.close,
      ...(jobs ? { jobs } : {}),
    });
    services.push(s);
    return s;
  }

  it('fails an http check after the threshold when the target starts failing, emits each change once and records the history', async () => {
    const health = service(
      healthConfig([
        { type: 'http', name: 'upstream', url: target.url, method: 'GET', impact: 'unhealthy' },
      ]),
    );
    await health.monitor.runAll();
    expect(health.report()).toMatchObject({ status: 'pass', health: 'healthy' });

    target.mode = 503;
    await health.monitor.runAll();
    // One failure, threshold two: still passing.
    expect(health.report().checks['upstream:responseTime']?.[0]).toMatchObject({
      status: 'pass',
      consecutiveFailures: 1,
    });
    await health.monitor.runAll();
    await health.monitor.runAll();
    const failing = health.report();
    expect(failing).toMatchObject({ status: 'fail', health: 'unhealthy', nodeId: 'node-a' });
    expect(failing.checks['upstream:responseTime']?.[0]).toMatchObject({
      status: 'fail',
      output: 'status 503',
      consecutiveFailures: 3,
      checkType: 'http',
    });

    target.mode = 200;
    await health.monitor.runAll();
    await health.close();

    expect(events.map((e) => [e.type, e.details.status])).toEqual([
      ['health.check.changed', 'fail'],
      ['health.status.changed', 'unhealthy'],
      ['health.check.changed', 'pass'],
      ['health.status.changed', 'healthy'],
    ]);
    expect(events[0]).toMatchObject({
      severity: 'critical',
      outcome: 'failure',
      actor: { kind: 'system' },
      target: { type: 'health_check', id: 'upstream' },
      details: { previousStatus: 'pass', nodeId: 'node-a', output: 'status 503' },
    });
    expect(events[3]).toMatchObject({ severity: 'notice', outcome: 'success' });

    const history = await health.history({ limit: 100 });
    expect(history.filter((h) => h.kind === 'run')).toHaveLength(5);
    expect(history.every((h) => h.nodeId === 'node-a')).toBe(true);
    const changes = await health.history({ limit: 100, changesOnly: true });
    expect(changes.map((h) => [h.kind, h.status, h.previousStatus])).toEqual([
      ['status_changed', 'pass', 'fail'],
      ['check_changed', 'pass', 'fail'],
      ['status_changed', 'fail', 'pass'],
      ['check_changed', 'fail', 'pass'],
    ]);
  });

  it('degrades rather than fails the service when a check of impact degraded fails', async () => {
    target.mode = 500;
    const health = service(
      healthConfig([{ type: 'http', name: 'optional', url: target.url, method: 'GET' }], {
        failureThreshold: 1,
      }),
    );
    await health.monitor.runAll();
    expect(health.report()).toMatchObject({ status: 'warn', health: 'degraded' });
  });

  it('reports the service unhealthy when the hot store stops answering, naming the check', async () => {
    let redisUp = true;
    const health = service(
      healthConfig([{ type: 'redis', name: 'redis' } as HealthCheckConfig]),
      undefined,
      {
        kind: 'redis',
        ping: async () => {
          if (redisUp) return 0.2;
          throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:6379'), {
            code: 'ECONNREFUSED',
          });
        },
      },
    );
    await health.monitor.runAll();
    expect(health.report()).toMatchObject({ status: 'pass', health: 'healthy' });
    redisUp = false;
    await health.monitor.runAll();
    // One bad run is below the threshold of two.
    expect(health.report()).toMatchObject({ status: 'pass', health: 'healthy' });
    await health.monitor.runAll();
    const report = health.report();
    expect(report).toMatchObject({ status: 'fail', health: 'unhealthy' });
    expect(report.checks['redis:responseTime']?.[0]).toMatchObject({ status: 'fail' });
    // The driver's message names a host: only the error class and code are shown.
    expect(JSON.stringify(report)).not.toContain('10.0.0.7');
    redisUp = true;
    await health.monitor.runAll();
    expect(health.report()).toMatchObject({ status: 'pass', health: 'healthy' });
  });

  it('fails a tcp check against a closed port with the connection error, and passes an open one', async () => {
    const closed = await freePort();
    const open = new URL(target.url);
    const health = service(
      healthConfig(
        [
          { type: 'tcp', name: 'closed', host: '127.0.0.1', port: closed },
          { type: 'tcp', name: 'open', host: '127.0.0.1', port: Number(open.port) },
        ],
        { failureThreshold: 1 },
      ),
    );
    await health.monitor.runAll();
    const { checks } = health.report();
    expect(checks['closed:connectTime']?.[0]).toMatchObject({
      status: 'fail',
      output: 'Error ECONNREFUSED',
    });
    expect(checks['open:connectTime']?.[0]).toMatchObject({ status: 'pass', observedUnit: 'ms' });
  });

  it('honours the timeout against a server that never answers', async () => {
    target.mode = 'hang';
    const health = service(
      healthConfig(
        [{ type: 'http', name: 'slow', url: target.url, method: 'GET', timeoutMs: 300 }],
        { failureThreshold: 1 },
      ),
    );
    const started = Date.now();
    await health.monitor.runAll();
    // Bounded by the timeout, with room for a busy machine; far below the 2 s default.
    expect(Date.now() - started).toBeLessThan(1900);
    expect(health.report().checks['slow:responseTime']?.[0]).toMatchObject({
      status: 'fail',
      output: 'timed out after 300 ms',
    });
    expect(target.hits).toBe(1);
  });

  it('retries an http check within one run when configured, and makes one attempt by default', async () => {
    target.mode = 503;
    const once = service(
      healthConfig([{ type: 'http', name: 'once', url: target.url, method: 'GET' }], {
        failureThreshold: 1,
      }),
    );
    await once.monitor.runAll();
    expect(target.hits).toBe(1);
    expect(once.report().checks['once:responseTime']?.[0]).toMatchObject({ status: 'fail' });

    target.hits = 0;
    const retried = service(
      healthConfig(
        [{ type: 'http', name: 'retried', url: target.url, method: 'GET', retries: 2 }],
        { failureThreshold: 1 },
      ),
    );
    // The second attempt meets a recovered target: the run passes.
    target.after = 200;
    await retried.monitor.runAll();
    expect(target.hits).toBe(2);
    expect(retried.report().checks['retried:responseTime']?.[0]).toMatchObject({
      status: 'pass',
    });
  });

  it('counts each run as a health_check job, failed when the check failed', async () => {
    const jobs = new JobTracker();
    const health = service(
      healthConfig([{ type: 'http', name: 'api', url: target.url, method: 'GET' }]),
      jobs,
    );
    await health.monitor.runAll();
    target.mode = 500;
    await health.monitor.runAll();
    expect(jobs.counts().get('health_check')).toEqual({
      active: 0,
      queued: 0,
      success: 1,
      failure: 1,
    });
  });

  it('reports sane values for the disk, memory, event-loop, database, hot-store and audit-backlog checks', async () => {
    const health = service(healthConfig([], { builtins: true }));
    await health.monitor.runAll();
    const report = health.report();
    const result = (key: string) => report.checks[key]?.[0];
    const disk = result('disk:freeSpace');
    expect(disk?.observedUnit).toBe('percent free');
    expect(disk?.observedValue).toBeGreaterThan(0);
    expect(disk?.observedValue).toBeLessThanOrEqual(100);
    const memory = result('memory:utilization');
    expect(memory?.observedValue).toBeGreaterThan(0);
    expect(memory?.observedValue).toBeLessThan(100);
    const lag = result('eventLoop:delay');
    expect(lag?.observedUnit).toBe('ms');
    expect(lag?.observedValue).toBeGreaterThanOrEqual(0);
    expect(lag?.observedValue).toBeLessThan(60_000);
    expect(result('database:responseTime')).toMatchObject({ status: 'pass', observedUnit: 'ms' });
    expect(result('redis:responseTime')).toMatchObject({ status: 'pass' });
    expect(result('auditBacklog:backlog')).toMatchObject({ status: 'pass', observedValue: 3 });
    expect(Object.keys(report.checks)).toHaveLength(6);
  });

  it('runs the checks on their own interval until closed, with timers that do not hold the process', async () => {
    const checks: ScheduledCheck[] = [
      {
        name: 'ticker',
        type: 'custom',
        measurement: 'count',
        intervalMs: 30,
        timeoutMs: 1000,
        failureThreshold: 1,
        impact: 'degraded',
        run: async () => ({ status: 'pass' }),
      },
    ];
    const health = new HealthService({
      config: healthConfig([]),
      checks,
      store: new SqlHealthHistoryStore(database.db),
      events: bus,
      releaseId: 'test',
      onBackgroundError: (e) => expect.fail(String(e)),
    });
    services.push(health);
    health.start();
    const deadline = Date.now() + 10_000;
    while ((await health.history({ limit: 10 })).length < 3) {
      if (Date.now() > deadline) throw new Error('the scheduler did not run');
      await new Promise((r) => setTimeout(r, 20));
    }
    await health.close();
    const count = (await health.history({ limit: 1000 })).length;
    await new Promise((r) => setTimeout(r, 150));
    expect((await health.history({ limit: 1000 })).length).toBe(count);
  });

  it('records only state changes when history.results is false', async () => {
    target.mode = 500;
    const health = service(
      healthConfig([{ type: 'http', name: 'quiet', url: target.url, method: 'GET' }], {
        failureThreshold: 1,
        history: { results: false, retentionDays: 7 },
      }),
    );
    await health.monitor.runAll();
    await health.monitor.runAll();
    await health.close();
    expect((await health.history({ limit: 100 })).map((e) => e.kind)).toEqual([
      'status_changed',
      'check_changed',
    ]);
  });

  it('deletes history older than the retention', async () => {
    const store = new SqlHealthHistoryStore(database.db);
    const day = 86_400_000;
    const old = Date.now() - 8 * day;
    await store.append([
      {
        id: '00000000-0000-7000-8000-000000000001',
        time: old,
        nodeId: 'node-a',
        kind: 'run',
        check: 'x',
        checkType: 'http',
        status: 'pass',
        previousStatus: null,
        observedValue: 1,
        observedUnit: 'ms',
        output: null,
        durationMs: 1,
      },
    ]);
    const health = service(healthConfig([]));
    health.start();
    await health.close();
    expect(await store.list({ limit: 10 })).toEqual([]);
  });
});
