import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig, loadConfig } from './load-config.js';
import { redactConfig } from './redact-config.js';

const cwd = () => mkdtempSync(join(tmpdir(), 'rampart-metrics-config-'));
const production = {
  RAMPART_ENV: 'production',
  RAMPART_MASTER_KEY: randomBytes(32).toString('base64'),
  RAMPART_PUBLIC_URL: 'https://auth.example.com',
  RAMPART_DATABASE_URL: 'postgres://rampart@db/rampart',
};

describe('metrics configuration', () => {
  it('serves metrics by default on the main listener, without a token in development', () => {
    const { config } = loadConfig({ env: {}, cwd: cwd() });
    expect(config.metrics).toEqual({ enabled: true, host: '127.0.0.1' });
  });

  it('refuses /metrics on the main listener without a token in production', () => {
    const verdict = checkConfig({ env: production, cwd: cwd() });
    expect(verdict.problems.map((p) => p.key)).toEqual(['metrics.token']);
  });

  it('accepts production with a token, a separate port, or metrics turned off', () => {
    for (const extra of [
      { RAMPART_METRICS_TOKEN: 'metrics-scrape-token-0123456789' },
      { RAMPART_METRICS_PORT: '9464' },
      { RAMPART_METRICS_ENABLED: 'false' },
    ]) {
      expect(checkConfig({ env: { ...production, ...extra }, cwd: cwd() }).problems).toEqual([]);
    }
  });

  it('refuses a token shorter than 16 characters', () => {
    const verdict = checkConfig({ env: { RAMPART_METRICS_TOKEN: 'short' }, cwd: cwd() });
    expect(verdict.problems.map((p) => p.key)).toContain('metrics.token');
  });

  it('refuses a metrics port equal to the main port', () => {
    const verdict = checkConfig({
      env: { RAMPART_PORT: '9000', RAMPART_METRICS_PORT: '9000' },
      cwd: cwd(),
    });
    expect(verdict.problems.map((p) => p.key)).toEqual(['metrics.port']);
  });

  it('never shows the token', () => {
    const token = 'metrics-scrape-token-0123456789';
    const { config } = loadConfig({ env: { RAMPART_METRICS_TOKEN: token }, cwd: cwd() });
    expect(JSON.stringify(redactConfig(config))).not.toContain(token);
  });
});
