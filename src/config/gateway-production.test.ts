import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig } from './load-config.js';

const cwd = () => mkdtempSync(join(tmpdir(), 'rampart-gateway-config-'));
const production = {
  RAMPART_ENV: 'production',
  RAMPART_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  RAMPART_PUBLIC_URL: 'https://auth.example.com',
  RAMPART_DATABASE_URL: 'postgres://rampart@db/rampart',
};

describe('gateway upstream in production', () => {
  it('refuses a plain-http upstream on another machine', () => {
    const verdict = checkConfig({
      env: { ...production, RAMPART_GATEWAY_UPSTREAM: 'http://api.internal:8080' },
      cwd: cwd(),
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.map((p) => p.key)).toContain('gateway.upstream');
  });

  it('accepts https, or plain http on this machine', () => {
    for (const upstream of [
      'https://api.internal',
      'http://127.0.0.1:9000',
      'http://localhost:9000',
    ]) {
      const verdict = checkConfig({
        env: { ...production, RAMPART_GATEWAY_UPSTREAM: upstream },
        cwd: cwd(),
      });
      expect(
        verdict.problems.map((p) => p.key),
        upstream,
      ).not.toContain('gateway.upstream');
    }
  });

  it('lets development proxy to any upstream', () => {
    const verdict = checkConfig({
      env: { RAMPART_GATEWAY_UPSTREAM: 'http://api.internal:8080' },
      cwd: cwd(),
    });
    expect(verdict.problems.map((p) => p.key)).not.toContain('gateway.upstream');
  });
});
