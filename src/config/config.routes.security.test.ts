/**
 * Attack: read the secrets Rampart runs with through the settings page's API. Anyone
 * short of an administrator is refused, and an administrator (or a stolen administrator
 * session) gets the configuration with every secret and URL password replaced, the
 * SMTP password included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createAdmin, login } from '../../test/support/http-helpers.js';
import {
  startTestRampart,
  strongPassword,
  type TestRampart,
} from '../../test/support/test-rampart.js';

const secrets = {
  smtpPassword: 'smtp-pass-5f1c2e9a7b',
  metricsToken: 'metrics-token-8d3b1f0c6e2a4975',
  identitySecret: 'identity-secret-0123456789abcdef0123456789abcdef',
};

describe('GET /v1/admin/config', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({
      overrides: {
        mail: {
          transport: 'none',
          smtpUrl: `smtp://rampart:${secrets.smtpPassword}@127.0.0.1:2525`,
        },
        metrics: { token: secrets.metricsToken },
        gateway: { identitySecret: secrets.identitySecret },
      },
    });
  });
  afterAll(async () => r?.close());

  it('gives an administrator the effective configuration with every secret redacted', async () => {
    const admin = await createAdmin(r);
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/config',
      headers: bearer(admin.token),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const config = res.json().config;
    expect(config.masterKey).toBe('[redacted]');
    expect(config.metrics.token).toBe('[redacted]');
    expect(config.gateway.identitySecret).toBe('[redacted]');
    expect(config.mail.smtpUrl).toBe('smtp://rampart:%5Bredacted%5D@127.0.0.1:2525');
    expect(config.port).toBe(r.config.port);
    for (const secret of [...Object.values(secrets), r.config.masterKey ?? 'unset']) {
      expect(res.body).not.toContain(secret);
    }
  });

  it('refuses a VIEWER with permission_denied and an anonymous caller with authentication_required', async () => {
    const email = 'viewer@example.com';
    const password = strongPassword();
    await r.accounts.createAccount({ email, password, roles: ['VIEWER'] }, { kind: 'system' });
    const viewer = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/config',
      headers: bearer(await login(r, email, password)),
    });
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json().code).toBe('permission_denied');
    const anonymous = await r.app.inject({ method: 'GET', url: '/v1/admin/config' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('authentication_required');
  });
});
