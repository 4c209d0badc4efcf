import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/config-problem.js';
import { type DeepPartial, loadConfig, type RawConfig } from '../../config/index.js';
import { buildScheduledChecks, effectiveCheckConfigs } from './scheduled-checks.js';

const load = (health: DeepPartial<RawConfig>['health']) =>
  loadConfig({ env: {}, noFile: true, overrides: { health } as DeepPartial<RawConfig> }).config;

const sources = {
  dataDir: '.',
  database: { dialect: 'sqlite', ping: async () => 1 },
  hot: { kind: 'memory', ping: async () => 1 },
};

describe('health checks from the configuration', () => {
  it('adds the built-in checks to the configured ones, a configured type replacing its built-in', () => {
    const config = load({
      interval: 10,
      checks: [
        { type: 'http', name: 'api', url: 'http://127.0.0.1:9/', method: 'HEAD', interval: 5 },
        {
          type: 'disk',
          name: 'logs-disk',
          path: '/var/log',
          warnFreePercent: 30,
          failFreePercent: 10,
        },
      ],
    });
    expect(effectiveCheckConfigs(config.health).map((c) => c.name ?? c.type)).toEqual([
      'api',
      'logs-disk',
      'database',
      'redis',
      'memory',
      'eventLoop',
      'auditBacklog',
    ]);
    const built = buildScheduledChecks(config.health, sources);
    built.close();
    expect(built.checks[0]).toMatchObject({
      name: 'api',
      type: 'http',
      intervalMs: 5000,
      timeoutMs: 5000,
      failureThreshold: 3,
      impact: 'degraded',
    });
    expect(built.checks.find((c) => c.name === 'database')).toMatchObject({
      intervalMs: 10_000,
      impact: 'unhealthy',
    });
  });

  it('runs only the configured checks when the built-ins are off', () => {
    const config = load({
      builtins: false,
      checks: [{ type: 'tcp', name: 'smtp', host: 'localhost', port: 25 }],
    });
    expect(effectiveCheckConfigs(config.health)).toHaveLength(1);
  });

  it('refuses a check without its target, an unknown type and a non-http URL at start', () => {
    for (const check of [
      { type: 'http', name: 'x', method: 'GET' },
      { type: 'ping', name: 'x' },
      { type: 'http', name: 'x', url: 'file:///etc/passwd', method: 'GET' },
      { type: 'tcp', name: 'x', host: 'h', port: 70_000 },
    ]) {
      expect(() => load({ checks: [check as never] })).toThrow(ConfigError);
    }
  });
});

describe('health check names', () => {
  it('refuses two checks with one name at start, a built-in counting by its type', () => {
    const dup = (checks: unknown[]) => () =>
      loadConfig({ env: {}, noFile: true, overrides: { health: { checks } } as never });
    expect(
      dup([
        { type: 'tcp', name: 'a', host: 'h', port: 1 },
        { type: 'tcp', name: 'a', host: 'h', port: 2 },
      ]),
    ).toThrow(ConfigError);
    expect(dup([{ type: 'tcp', name: 'database', host: 'h', port: 1 }])).toThrow(ConfigError);
    expect(dup([{ type: 'tcp', name: 'db2', host: 'h', port: 1 }])).not.toThrow();
  });
});
