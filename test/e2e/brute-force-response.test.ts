import { afterEach, describe, expect, it } from 'vitest';
import type { DeepPartial, RawConfig } from '../../src/config/index.js';
import { bearer, createAdmin } from '../support/http-helpers.js';
import { startCluster, startTestRampart, type TestRampart } from '../support/test-rampart.js';

const attacker = '203.0.113.7';
const operator = '10.9.9.9';

const overrides: DeepPartial<RawConfig> = {
  network: { allow: [`${operator}/32`] },
  lockout: { ipMaxFailures: 1000 },
  detectors: { bruteForceIp: { threshold: 5, window: 60 } },
  // startTestRampart turns responses off unless a test brings its own section.
  responses: { enabled: true },
};

function failLogin(r: TestRampart, ip: string, n: number) {
  return r.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    remoteAddress: ip,
    payload: { email: `victim${n}@example.com`, password: 'wrong password entirely' },
  });
}

async function poll<T>(what: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function blocked(r: TestRampart, ip: string): Promise<boolean> {
  const res = await r.app.inject({ method: 'GET', url: '/v1/auth/whoami', remoteAddress: ip });
  return res.statusCode === 403 && res.json<{ code: string }>().code === 'ip_blocked';
}

interface ActionJson {
  id: string;
  action: string;
  status: string;
  subject: { type: string; id: string } | null;
  detail: Record<string, unknown>;
  incidentId: string;
}

async function actions(r: TestRampart, token: string): Promise<ActionJson[]> {
  const res = await r.app.inject({ method: 'GET', url: '/v1/responses', headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: ActionJson[] }>().items;
}

describe('a brute-force run against a live server', () => {
  let r: TestRampart | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  it('fires the detector, bans the attacker within a second, opens an incident with the timeline, and never bans the allow-listed operator', async () => {
    r = await startTestRampart({ overrides });
    const admin = await createAdmin(r);

    // The allow-listed operator fails as often as the attacker: a signal, but no ban.
    for (let i = 0; i < 8; i++) expect((await failLogin(r, operator, i)).statusCode).toBe(401);
    let crossedAt = 0;
    for (let i = 0; i < 5; i++) {
      expect((await failLogin(r, attacker, i)).statusCode).toBe(401);
      crossedAt = Date.now();
    }
    await poll(async () => ((await blocked(r as TestRampart, attacker)) ? true : undefined), 1000);
    expect(Date.now() - crossedAt).toBeLessThan(1000);
    expect(await blocked(r, operator)).toBe(false);

    await r.response.settle();
    const all = await actions(r, admin.token);
    const ban = all.find((a) => a.action === 'ban_ip' && a.subject?.id === attacker);
    expect(ban?.status).toBe('executed');
    const operatorBan = all.find((a) => a.action === 'ban_ip' && a.subject?.id === operator);
    expect(operatorBan?.status).toBe('skipped');
    expect(operatorBan?.detail.reason).toBe('allowlisted');
    // Not acting is on the record too.
    expect(r.logText()).toContain('response.action.skipped');

    const incident = await r.app.inject({
      method: 'GET',
      url: `/v1/incidents/${ban?.incidentId}`,
      headers: bearer(admin.token),
    });
    expect(incident.statusCode, incident.body).toBe(200);
    const body = incident.json<{ status: string; key: string; timeline: { kind: string }[] }>();
    expect(body.status).toBe('open');
    expect(body.key).toBe(`bruteForceIp:${attacker}`);
    const kinds = body.timeline.map((e) => e.kind);
    expect(kinds[0]).toBe('signal');
    expect(kinds).toContain('action');

    // More failures in the same window do not fire again (one signal per window and key).
    const signals = () =>
      r?.logs.filter((l) => (l.event as { type?: string })?.type === 'detector.signal').length;
    const before = signals();
    for (let i = 0; i < 10; i++) await failLogin(r, operator, 100 + i);
    await r.response.settle();
    expect(signals()).toBe(before);
  });

  it('lifts the ban when the action is reverted', async () => {
    r = await startTestRampart({ overrides });
    const admin = await createAdmin(r);
    for (let i = 0; i < 5; i++) await failLogin(r, attacker, i);
    await poll(async () => ((await blocked(r as TestRampart, attacker)) ? true : undefined), 5000);
    await r.response.settle();
    const ban = (await actions(r, admin.token)).find((a) => a.action === 'ban_ip');
    const revert = await r.app.inject({
      method: 'POST',
      url: `/v1/responses/${ban?.id}/revert`,
      headers: bearer(admin.token),
    });
    expect(revert.statusCode, revert.body).toBe(200);
    expect(revert.json<{ status: string }>().status).toBe('reverted');
    expect(await blocked(r, attacker)).toBe(false);
    const again = await r.app.inject({
      method: 'POST',
      url: `/v1/responses/${ban?.id}/revert`,
      headers: bearer(admin.token),
    });
    expect(again.statusCode).toBe(409);
    expect(again.json<{ code: string }>().code).toBe('response_not_revertible');
  });

  it('in dry-run mode reports what it would do and does nothing', async () => {
    r = await startTestRampart({
      overrides: { ...overrides, responses: { enabled: true, dryRun: true } },
    });
    const admin = await createAdmin(r);
    for (let i = 0; i < 6; i++) await failLogin(r, attacker, i);
    await r.response.settle();
    const ban = await poll(async () => {
      await r?.response.settle();
      return (await actions(r as TestRampart, admin.token)).find((a) => a.action === 'ban_ip');
    }, 5000);
    expect(ban.status).toBe('dry_run');
    expect(ban.detail.durationSeconds).toBe(900);
    expect(await blocked(r, attacker)).toBe(false);
    expect(r.logText()).toContain('response.action.dry_run');
    expect((await r.ipAccess.list()).filter((rule) => rule.action === 'ban')).toHaveLength(0);
  });

  it('read-only mode refuses a POST but lets the administrator sign in and turn it off', async () => {
    r = await startTestRampart({ overrides });
    const admin = await createAdmin(r);
    const on = await r.app.inject({
      method: 'PUT',
      url: '/v1/admin/read-only',
      headers: bearer(admin.token),
      payload: { reason: 'drill' },
    });
    expect(on.statusCode, on.body).toBe(200);
    const refused = await r.app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: bearer(admin.token),
      payload: { title: 'by hand', severity: 'low' },
    });
    expect(refused.statusCode).toBe(503);
    expect(refused.json<{ code: string }>().code).toBe('read_only_mode');
    const read = await r.app.inject({
      method: 'GET',
      url: '/v1/incidents',
      headers: bearer(admin.token),
    });
    expect(read.statusCode).toBe(200);
    const signIn = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: admin.email, password: admin.password },
    });
    expect(signIn.statusCode).toBe(200);
    const off = await r.app.inject({
      method: 'DELETE',
      url: '/v1/admin/read-only',
      headers: bearer(admin.token),
    });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json<{ enabled: boolean }>().enabled).toBe(false);
    const accepted = await r.app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: bearer(admin.token),
      payload: { title: 'by hand', severity: 'low' },
    });
    expect(accepted.statusCode, accepted.body).toBe(201);
  });
});

const clustered = Boolean(
  process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL,
);

describe.skipIf(!clustered)('two nodes on Redis', () => {
  it('count one attacker together: failures split across the nodes still trip the detector once', async () => {
    const cluster = await startCluster(2, overrides);
    try {
      const [a, b] = cluster.nodes as [TestRampart, TestRampart];
      for (let i = 0; i < 3; i++) await failLogin(a, attacker, i);
      await a.response.settle();
      for (let i = 3; i < 5; i++) await failLogin(b, attacker, i);
      await poll(async () => ((await blocked(a, attacker)) ? true : undefined), 5000);
      expect(await blocked(b, attacker)).toBe(true);
      await a.response.settle();
      await b.response.settle();
      const signals = [a, b]
        .flatMap((n) => n.logs)
        .filter((l) => (l.event as { type?: string })?.type === 'detector.signal');
      expect(signals).toHaveLength(1);
    } finally {
      await cluster.close();
    }
  }, 30_000);
});
