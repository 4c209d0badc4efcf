import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig } from './load-config.js';

const cwd = () => mkdtempSync(join(tmpdir(), 'rampart-reset-config-'));
const production = {
  RAMPART_ENV: 'production',
  RAMPART_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  RAMPART_PUBLIC_URL: 'https://auth.example.com',
  RAMPART_DATABASE_URL: 'postgres://rampart@db/rampart',
};

describe('passwordReset configuration', () => {
  it('needs {token} in the link template', () => {
    const verdict = checkConfig({
      env: { RAMPART_PASSWORD_RESET_URL: 'https://app.example.com/reset' },
      cwd: cwd(),
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.map((p) => p.key)).toContain('passwordReset.url');
    expect(
      checkConfig({
        env: { RAMPART_PASSWORD_RESET_URL: 'https://app.example.com/reset#token={token}' },
        cwd: cwd(),
      }).ok,
    ).toBe(true);
  });

  it('refuses a plain-http link in production', () => {
    const verdict = checkConfig({
      env: { ...production, RAMPART_PASSWORD_RESET_URL: 'http://app.example.com/r#t={token}' },
      cwd: cwd(),
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.map((p) => p.key)).toContain('passwordReset.url');
  });

  it('reads the request budget from the environment', () => {
    const verdict = checkConfig({
      env: {
        RAMPART_PASSWORD_RESET_MAX_REQUESTS_PER_EMAIL: '2',
        RAMPART_PASSWORD_RESET_MAX_REQUESTS_PER_IP: '9',
        RAMPART_PASSWORD_RESET_REQUEST_WINDOW: '600',
      },
      cwd: cwd(),
    });
    expect(verdict.ok).toBe(true);
    expect(verdict.config?.passwordReset).toMatchObject({
      maxRequestsPerEmail: 2,
      maxRequestsPerIp: 9,
      requestWindow: 600,
    });
  });
});
