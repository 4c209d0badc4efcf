import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestRampart } from '../../test/support/test-rampart.js';
import { checkConfig, loadConfig } from './load-config.js';

function dirWith(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-alerts-config-'));
  writeFileSync(join(dir, 'rampart.config.json'), JSON.stringify(config));
  return dir;
}

const production = {
  RAMPART_ENV: 'production',
  RAMPART_MASTER_KEY: randomBytes(32).toString('base64'),
  RAMPART_PUBLIC_URL: 'https://auth.example.com',
  RAMPART_DATABASE_URL: 'postgres://rampart@db/rampart',
  RAMPART_METRICS_TOKEN: 'metrics-scrape-token-0123456789',
};

describe('alerts configuration', () => {
  it('fills rule defaults from the schema', () => {
    const { config } = loadConfig({
      env: {},
      cwd: dirWith({ alerts: { rules: [{ name: 'r', signal: {}, threshold: 1 }] } }),
    });
    expect(config.alerts.rules[0]).toMatchObject({
      aggregation: 'count',
      operator: 'gt',
      for: 0,
      severity: 'medium',
      window: 60,
      channels: [],
      groupBy: [],
      enabled: true,
    });
    expect(config.alerts.evaluationIntervalMs).toBe(5000);
  });

  it('refuses a rule with an unknown operator and a webhook without a secret', () => {
    const verdict = checkConfig({
      env: {},
      cwd: dirWith({
        alerts: {
          rules: [{ name: 'r', signal: {}, threshold: 1, operator: 'between' }],
          channels: [{ name: 'c', type: 'webhook', url: 'https://h.example/x' }],
        },
      }),
    });
    expect(verdict.problems.map((p) => p.key).join(' ')).toMatch(/alerts\.rules/);
    expect(verdict.problems.map((p) => p.key).join(' ')).toMatch(/alerts\.channels/);
  });

  it('refuses a plain-http channel in production unless it is on this machine', () => {
    const verdict = checkConfig({
      env: production,
      cwd: dirWith({
        alerts: {
          channels: [
            { name: 'far', type: 'slack', url: 'http://hooks.example.com/services/x' },
            { name: 'near', type: 'alertmanager', url: 'http://127.0.0.1:9093' },
          ],
        },
      }),
    });
    expect(verdict.problems.map((p) => p.key)).toEqual(['alerts.channels.0.url']);
  });

  it('stops the start on a rule that names an unknown channel or metric', async () => {
    await expect(
      startTestRampart({
        overrides: {
          alerts: { rules: [{ name: 'r', signal: {}, threshold: 1, channels: ['nowhere'] }] },
        } as never,
      }),
    ).rejects.toThrow(/alerts\.rules r: .*unknown channel nowhere/);
    await expect(
      startTestRampart({
        overrides: {
          alerts: { rules: [{ name: 'm', metric: { name: 'no_such_metric' }, threshold: 1 }] },
        } as never,
      }),
    ).rejects.toThrow(/unknown metric no_such_metric/);
  });
});
