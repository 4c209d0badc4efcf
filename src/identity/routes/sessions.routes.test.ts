import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createUser,
  expectProblem,
  loginSession,
} from '../../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

const chromeOnMac =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const safariOnIphone =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

describe('sessions and devices', () => {
  let r: TestRampart;
  let alice: { email: string; password: string; id: string };
  let bob: { email: string; password: string; id: string };
  beforeAll(async () => {
    r = await startTestRampart();
    alice = await createUser(r, 'alice@example.com');
    bob = await createUser(r, 'bob@example.com');
  });
  afterAll(async () => r?.close());

  it('lists your sessions with the device parsed from the user agent and the current one marked', async () => {
    const laptop = await loginSession(
      r,
      alice.email,
      alice.password,
      { 'user-agent': chromeOnMac },
      '192.0.2.4',
    );
    await loginSession(
      r,
      alice.email,
      alice.password,
      { 'user-agent': safariOnIphone },
      '192.0.2.5',
    );
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/sessions',
      headers: bearer(laptop.access_token),
    });
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json<{ items: Record<string, unknown>[] }>().items;
    const current = items.find((s) => s.current === true);
    expect(current).toMatchObject({
      id: laptop.session_id,
      browser: 'Chrome',
      os: 'Mac OS',
      ip: '192.0.2.4',
      amr: ['pwd'],
      mfa: false,
    });
    expect(items.find((s) => s.browser === 'Mobile Safari')).toMatchObject({
      os: 'iOS',
      current: false,
      device: 'Apple iPhone',
    });
    expect(JSON.stringify(items)).not.toMatch(/rmr_|refresh/);
  });

  it("answers 404 for another account's session id and leaves that session alive (no IDOR)", async () => {
    const mine = await loginSession(r, alice.email, alice.password);
    const theirs = await loginSession(r, bob.email, bob.password);
    const res = await r.app.inject({
      method: 'DELETE',
      url: `/v1/sessions/${theirs.session_id}`,
      headers: bearer(mine.access_token),
    });
    expectProblem(res, 404, 'session_not_found');
    expect(
      (await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(theirs.access_token) }))
        .statusCode,
    ).toBe(200);
  });

  it('ends one of your sessions by id', async () => {
    const a = await loginSession(r, alice.email, alice.password);
    const b = await loginSession(r, alice.email, alice.password);
    expect(
      (
        await r.app.inject({
          method: 'DELETE',
          url: `/v1/sessions/${b.session_id}`,
          headers: bearer(a.access_token),
        })
      ).statusCode,
    ).toBe(204);
    expectProblem(
      await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(b.access_token) }),
      401,
      'invalid_token',
    );
    expect(
      (await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(a.access_token) }))
        .statusCode,
    ).toBe(200);
  });

  it('ends every other session and keeps the current one', async () => {
    const keep = await loginSession(r, alice.email, alice.password);
    const other = await loginSession(r, alice.email, alice.password);
    const res = await r.app.inject({
      method: 'DELETE',
      url: '/v1/sessions',
      headers: bearer(keep.access_token),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ revoked: number }>().revoked).toBeGreaterThanOrEqual(1);
    expectProblem(
      await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(other.access_token) }),
      401,
      'invalid_token',
    );
    expect(
      (await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(keep.access_token) }))
        .statusCode,
    ).toBe(200);
  });

  it("lets an administrator list and end any account's sessions, and nobody else", async () => {
    const admin = await createUser(r, 'admin@example.com', ['ADMIN']);
    const adminSession = await loginSession(r, admin.email, admin.password);
    const target = await loginSession(r, bob.email, bob.password);
    const list = await r.app.inject({
      method: 'GET',
      url: `/v1/admin/accounts/${bob.id}/sessions`,
      headers: bearer(adminSession.access_token),
    });
    expect(list.json<{ items: { id: string }[] }>().items.map((s) => s.id)).toContain(
      target.session_id,
    );

    const asBob = await r.app.inject({
      method: 'GET',
      url: `/v1/admin/accounts/${alice.id}/sessions`,
      headers: bearer(target.access_token),
    });
    expectProblem(asBob, 403, 'permission_denied');

    const end = await r.app.inject({
      method: 'DELETE',
      url: `/v1/admin/accounts/${bob.id}/sessions/${target.session_id}`,
      headers: bearer(adminSession.access_token),
    });
    expect(end.statusCode).toBe(204);
    expectProblem(
      await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(target.access_token) }),
      401,
      'invalid_token',
    );

    const all = await r.app.inject({
      method: 'DELETE',
      url: `/v1/admin/accounts/${alice.id}/sessions`,
      headers: bearer(adminSession.access_token),
    });
    expect(all.statusCode).toBe(200);
    expect(
      (
        await r.app.inject({
          method: 'GET',
          url: `/v1/admin/accounts/${alice.id}/sessions`,
          headers: bearer(adminSession.access_token),
        })
      ).json<{ items: unknown[] }>().items,
    ).toEqual([]);
  });
});
