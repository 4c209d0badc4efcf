/*
 * Attack: reading credentials out of the monitoring surface. An operator configures an
 * http check whose URL carries a password (Basic auth of a protected health endpoint);
 * the check fails, or the host cannot be resolved, and the failure text (driver and
 * network errors quote URLs and hostnames) flows into the health report, the history, the
 * security events and the log, which far more people can read than the configuration.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../events/event-bus.js';
import type { SecurityEvent } from '../../events/security-event.js';
import { type DatabaseHandle, openDatabase } from '../../storage/database.js';
import { migrateToLatest } from '../../storage/migrate.js';
import { SqlHealthHistoryStore } from '../../storage/sql/sql-health-store.js';
import { HealthService } from './health-service.js';
import { buildScheduledChecks } from './scheduled-checks.js';

const secret = 's3cret-pass-value';

describe('health check credentials', () => {
  let server: Server;
  let port: number;
  let authorization: string | undefined;
  let database: DatabaseHandle;

  beforeAll(async () => {
    server = createServer((req, res) => {
      authorization = req.headers.authorization;
      res.statusCode = 500;
      res.end(`internal error for ${req.headers.authorization}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    database = openDatabase('sqlite::memory:');
    await migrateToLatest(database);
  });
  afterAll(async () => {
    await database.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends URL credentials as Basic auth and never shows them in the report, history, events or log', async () => {
    const events: SecurityEvent[] = [];
    const logged: unknown[] = [];
    const bus = new EventBus({ onHandlerError: () => {} });
    bus.subscribe('test', (e) => {
      events.push(e);
    });
    const config = {
      enabled: true,
      nodeId: 'n',
      interval: 3600,
      timeoutMs: 2000,
      failureThreshold: 1,
      builtins: false,
      checks: [
        {
          type: 'http' as const,
          name: 'protected',
          url: `http://monitor:${secret}@127.0.0.1:${port}/health`,
          method: 'GET',
        },
        {
          type: 'http' as const,
          name: 'unresolvable',
          url: `http://monitor:${secret}@no-such-host.invalid/health`,
          method: 'GET',
        },
      ],
      history: { results: true, retentionDays: 7 },
    };
    const built = buildScheduledChecks(config, {
      dataDir: '.',
      database,
      hot: { kind: 'memory', ping: async () => 0 },
    });
    const health = new HealthService({
      config,
      checks: built.checks,
      store: new SqlHealthHistoryStore(database.db),
      events: bus,
      releaseId: 't',
      onBackgroundError: (e) => logged.push(e),
      onChange: (line, message) => logged.push(line, message),
      onClose: built.close,
    });
    await health.monitor.runAll();
    const report = health.report();
    await health.close();

    expect(authorization).toBe(`Basic ${Buffer.from(`monitor:${secret}`).toString('base64')}`);
    expect(report.checks['protected:responseTime']?.[0]).toMatchObject({
      status: 'fail',
      output: 'status 500',
    });
    expect(report.checks['unresolvable:responseTime']?.[0]?.status).toBe('fail');
    const history = await health.history({ limit: 100 });
    const everything = JSON.stringify({ report, history, events, logged });
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain('no-such-host');
    expect(everything).not.toContain(Buffer.from(`monitor:${secret}`).toString('base64'));
  });
});
