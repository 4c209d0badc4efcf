/*
 * Attacks on automated responses themselves. An attacker who can make a detector fire
 * (spoofing nothing: just failing logins from where an operator sits, or from an
 * allow-listed monitor) tries to turn the response against the operators: ban their
 * address, lock their account, or leave Rampart stuck in read-only mode. Allow-listed
 * networks, responses.neverBan and trusted operators are never acted on; read-only mode
 * can be lifted by an administrator only; every action can be undone where undoing is
 * possible, and says so where it is not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  bearer,
  createAdmin,
  expectProblem,
  registerUser,
} from '../../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import type { DeepPartial, RawConfig } from '../../config/index.js';
import type { DetectorSignal } from '../detectors/detector-signal.js';

let r: TestRampart | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

function signal(
  rampart: TestRampart,
  detector: DetectorSignal['detector'],
  key: string,
  evidence: Partial<DetectorSignal['evidence']>,
) {
  const details: DetectorSignal = {
    detector,
    severity: 'high',
    key,
    evidence: {
      count: 10,
      threshold: 5,
      windowSeconds: 60,
      firstSeenAt: Date.now() - 1000,
      lastSeenAt: Date.now(),
      eventIds: [],
      eventTypes: [],
      ...evidence,
    },
  };
  return rampart.response.responses.handleSignal({
    id: `sig-${Math.random()}`,
    type: 'detector.signal',
    time: Date.now(),
    outcome: 'failure',
    severity: 'warning',
    actor: { kind: 'anonymous' },
    details: details as unknown as Record<string, unknown>,
  });
}

async function start(overrides: DeepPartial<RawConfig> = {}) {
  r = await startTestRampart({
    overrides: {
      network: { allow: ['10.1.0.0/16'] },
      ...overrides,
      responses: {
        neverBan: ['192.0.2.0/28'],
        actions: {
          bruteForceIp: ['ban_ip'],
          stuffingAccount: ['lock_account'],
          refreshReuse: ['revoke_sessions', 'require_mfa'],
          replay: ['read_only'],
        },
        ...overrides.responses,
      },
    },
  });
  return r;
}

describe('automated responses under attack', () => {
  it('never bans an allow-listed network, a responses.neverBan network or a trusted operator', async () => {
    const rampart = await start();
    const trusted = await startTestRampart({
      overrides: {
        responses: {
          trustedOperators: ['boss@example.com'],
          actions: {
            bruteForceIp: ['ban_ip'],
            stuffingAccount: ['lock_account'],
            refreshReuse: ['revoke_sessions', 'revoke_api_keys'],
          },
        },
      },
    });
    try {
      const boss = await createAdmin(trusted, 'boss@example.com');
      const bossAccount = await trusted.stores.accounts.findAccountByEmail(boss.email);
      const [allow] = await signal(rampart, 'bruteForceIp', '10.1.2.3', { ip: '10.1.2.3' });
      const [never] = await signal(rampart, 'bruteForceIp', '192.0.2.5', { ip: '192.0.2.5' });
      const [op] = await signal(trusted, 'bruteForceIp', '198.51.100.9', {
        ip: '198.51.100.9',
        accountId: String(bossAccount?.id),
      });
      const [lock] = await signal(trusted, 'stuffingAccount', String(bossAccount?.id), {
        accountId: String(bossAccount?.id),
      });
      expect(lock).toMatchObject({ status: 'skipped', detail: { reason: 'trusted_operator' } });
      const revocations = await signal(trusted, 'refreshReuse', String(bossAccount?.id), {
        accountId: String(bossAccount?.id),
      });
      expect(revocations).toHaveLength(2);
      for (const revocation of revocations)
        expect(revocation).toMatchObject({
          status: 'skipped',
          detail: { reason: 'trusted_operator' },
        });
      const stillSignedIn = await trusted.app.inject({
        method: 'GET',
        url: '/v1/auth/whoami',
        headers: bearer(boss.token),
      });
      expect(stillSignedIn.statusCode).toBe(200);
      expect(allow).toMatchObject({ status: 'skipped', detail: { reason: 'allowlisted' } });
      expect(never).toMatchObject({ status: 'skipped', detail: { reason: 'allowlisted' } });
      expect(op).toMatchObject({ status: 'skipped', detail: { reason: 'trusted_operator' } });
      expect((await rampart.ipAccess.list()).filter((x) => x.action === 'ban')).toHaveLength(0);
      expect((await trusted.ipAccess.list()).filter((x) => x.action === 'ban')).toHaveLength(0);
    } finally {
      await trusted.close();
    }
  });

  it('bans a repeat offender for longer each time, up to responses.maxBanDuration, each ban expiring', async () => {
    const rampart = await start({ responses: { maxBanDuration: 20_000 } });
    const admin = await createAdmin(rampart);
    const before = Date.now();
    const [first] = await signal(rampart, 'bruteForceIp', '198.51.100.20', { ip: '198.51.100.20' });
    expect(first?.detail.durationSeconds).toBe(900);
    // The ban itself ends when the response says: it is not left in force for ever.
    const ban = (await rampart.ipAccess.list()).find((x) => x.id === first?.detail.ruleId);
    expect(ban?.expiresAt).toBe(first?.detail.expiresAt);
    expect(ban?.expiresAt).toBeGreaterThanOrEqual(before + 900_000);
    expect(ban?.expiresAt).toBeLessThanOrEqual(Date.now() + 900_000);
    const revert = await rampart.app.inject({
      method: 'POST',
      url: `/v1/responses/${first?.id}/revert`,
      headers: bearer(admin.token),
    });
    expect(revert.statusCode, revert.body).toBe(200);
    const [second] = await signal(rampart, 'bruteForceIp', '198.51.100.20', {
      ip: '198.51.100.20',
    });
    expect(second?.detail.durationSeconds).toBe(3600);
    const [third] = await signal(rampart, 'bruteForceIp', '198.51.100.20', { ip: '198.51.100.20' });
    expect(third?.detail.durationSeconds).toBe(14_400);
    const [fourth] = await signal(rampart, 'bruteForceIp', '198.51.100.20', {
      ip: '198.51.100.20',
    });
    expect(fourth?.detail.durationSeconds).toBe(20_000);
  });

  it('locks an account and unlocks it on revert', async () => {
    const rampart = await start();
    const admin = await createAdmin(rampart);
    const user = await registerUser(rampart, 'victim@example.com');
    const account = await rampart.stores.accounts.findAccountByEmail(user.email);
    const [lock] = await signal(rampart, 'stuffingAccount', String(account?.id), {
      accountId: String(account?.id),
    });
    expect(lock?.status).toBe('executed');
    const login = () =>
      rampart.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: user.email, password: user.password },
      });
    expectProblem(await login(), 401, 'invalid_credentials');
    const revert = await rampart.app.inject({
      method: 'POST',
      url: `/v1/responses/${lock?.id}/revert`,
      headers: bearer(admin.token),
    });
    expect(revert.statusCode, revert.body).toBe(200);
    expect((await login()).statusCode).toBe(200);
  });

  it('revokes sessions (irreversible, and says so) and requires MFA at the next login until reverted', async () => {
    const rampart = await start();
    const admin = await createAdmin(rampart);
    const user = await registerUser(rampart, 'reused@example.com');
    const account = await rampart.stores.accounts.findAccountByEmail(user.email);
    const [revoke, mfa] = await signal(rampart, 'refreshReuse', String(account?.id), {
      accountId: String(account?.id),
    });
    expect(revoke).toMatchObject({
      status: 'executed',
      reversible: false,
      detail: { sessions: 1 },
    });
    const me = await rampart.app.inject({
      method: 'GET',
      url: '/v1/auth/whoami',
      headers: bearer(user.token),
    });
    expect(me.statusCode).toBe(401);
    const refused = await rampart.app.inject({
      method: 'POST',
      url: `/v1/responses/${revoke?.id}/revert`,
      headers: bearer(admin.token),
    });
    expectProblem(refused, 409, 'response_not_reversible');

    const login = () =>
      rampart.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: user.email, password: user.password },
      });
    expectProblem(await login(), 401, 'mfa_enrollment_required');
    const revert = await rampart.app.inject({
      method: 'POST',
      url: `/v1/responses/${mfa?.id}/revert`,
      headers: bearer(admin.token),
    });
    expect(revert.statusCode, revert.body).toBe(200);
    expect((await login()).statusCode).toBe(200);
  });

  it('read-only mode from a response can be lifted by an administrator only, and not bypassed', async () => {
    const rampart = await start();
    const admin = await createAdmin(rampart);
    const user = await registerUser(rampart, 'someone@example.com');
    const [ro] = await signal(rampart, 'replay', '198.51.100.30', { ip: '198.51.100.30' });
    expect(ro?.status).toBe('executed');
    expectProblem(
      await rampart.app.inject({
        method: 'POST',
        url: '/v1/auth/logout-all',
        headers: bearer(user.token),
      }),
      503,
      'read_only_mode',
    );
    expectProblem(
      await rampart.app.inject({
        method: 'PUT',
        url: '/v1/admin/read-only',
        headers: bearer(admin.token),
        payload: { reason: 'x' },
      }),
      503,
      'read_only_mode',
    );
    expectProblem(
      await rampart.app.inject({
        method: 'DELETE',
        url: '/v1/admin/read-only',
        headers: bearer(user.token),
      }),
      403,
      'permission_denied',
    );
    expect(rampart.response.readOnly.enabled).toBe(true);
    const revert = await rampart.app.inject({
      method: 'POST',
      url: `/v1/responses/${ro?.id}/revert`,
      headers: bearer(admin.token),
    });
    // Reverting is itself a POST: refused until read-only mode is off.
    expectProblem(revert, 503, 'read_only_mode');
    const off = await rampart.app.inject({
      method: 'DELETE',
      url: '/v1/admin/read-only',
      headers: bearer(admin.token),
    });
    expect(off.statusCode).toBe(200);
    expect(rampart.response.readOnly.enabled).toBe(false);
  });

  it('serves responses, incidents and reports to administrators only', async () => {
    const rampart = await start();
    const user = await registerUser(rampart, 'nosy@example.com');
    for (const url of [
      '/v1/responses',
      '/v1/incidents',
      '/v1/reports/security?from=2026-01-01T00:00:00Z',
    ]) {
      expectProblem(
        await rampart.app.inject({ method: 'GET', url, headers: bearer(user.token) }),
        403,
        'permission_denied',
      );
    }
  });
});

describe('GET /v1/reports/security', () => {
  it('reports authentication, operations, compliance and incidents over the period', async () => {
    const rampart = await start();
    const admin = await createAdmin(rampart);
    await rampart.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: admin.email, password: 'not the password at all' },
    });
    const opened = await rampart.app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: bearer(admin.token),
      payload: {
        title: 'by hand',
        severity: 'medium',
        startedAt: new Date(Date.now() - 60_000).toISOString(),
      },
    });
    expect(opened.statusCode, opened.body).toBe(201);
    await rampart.audit?.flush();
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const res = await rampart.app.inject({
      method: 'GET',
      url: `/v1/reports/security?from=${from}&to=${to}`,
      headers: bearer(admin.token),
    });
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json<{
      authentication: Record<string, number>;
      compliance: { controls: { control: string; enabled: boolean }[] };
      incidents: { opened: number; mttd: number };
    }>();
    expect(report.authentication.loginsSucceeded).toBeGreaterThanOrEqual(1);
    expect(report.authentication.loginsFailed).toBeGreaterThanOrEqual(1);
    expect(report.compliance.controls.find((c) => c.control === 'audit_trail')?.enabled).toBe(true);
    expect(report.incidents.opened).toBe(1);
    expect(report.incidents.mttd).toBeGreaterThanOrEqual(59_000);

    expectProblem(
      await rampart.app.inject({
        method: 'GET',
        url: `/v1/reports/security?from=${to}&to=${from}`,
        headers: bearer(admin.token),
      }),
      400,
      'report_range_invalid',
    );
  });
});
