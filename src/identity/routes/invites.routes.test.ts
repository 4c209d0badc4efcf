import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createAdmin,
  expectProblem,
  login,
  type TestUser,
} from '../../../test/support/http-helpers.js';
import {
  startTestRampart,
  strongPassword,
  type TestRampart,
} from '../../../test/support/test-rampart.js';

describe('invite-only registration', () => {
  let r: TestRampart;
  let admin: TestUser;
  beforeAll(async () => {
    r = await startTestRampart({ overrides: { registration: { mode: 'invite' } } });
    admin = await createAdmin(r);
  });
  afterAll(async () => r?.close());

  async function invite(body: Record<string, unknown> = {}) {
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/invites',
      headers: bearer(admin.token),
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    return res.json<{
      invite: { id: string; email: string | null; roles: string[] };
      token: string;
    }>();
  }

  function register(email: string, inviteToken?: string, password = strongPassword()) {
    return r.app.inject({
      method: 'POST',
      url: '/v1/auth/register',
      payload: { email, password, ...(inviteToken ? { invite_token: inviteToken } : {}) },
    });
  }

  it('refuses registration without a token with 403 invite_required', async () => {
    expectProblem(await register('noinvite@example.com'), 403, 'invite_required');
    expect(await r.stores.accounts.findAccountByEmail('noinvite@example.com')).toBeUndefined();
  });

  it('refuses an unknown token with 403 invite_invalid', async () => {
    expectProblem(await register('forged@example.com', 'rmpinv_forged'), 403, 'invite_invalid');
  });

  it('creates an invite with no roles when none are given', async () => {
    const { invite: created } = await invite();
    expect(created.roles).toEqual([]);
    expect(created.email).toBeNull();
  });

  it('accepts an invite once; the second use is invite_invalid', async () => {
    const { token } = await invite();
    const password = strongPassword();
    const first = await register('invited@example.com', token, password);
    expect(first.statusCode, first.body).toBe(201);
    await login(r, 'invited@example.com', password);
    expectProblem(await register('another@example.com', token), 403, 'invite_invalid');
    expect(await r.stores.accounts.findAccountByEmail('another@example.com')).toBeUndefined();
  });

  it('binds an invite to its email, compared case-insensitively', async () => {
    const { token } = await invite({ email: 'Bound@Example.com' });
    expectProblem(await register('someone-else@example.com', token), 403, 'invite_invalid');
    const res = await register('BOUND@example.com', token);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().email).toBe('bound@example.com');
  });

  it('grants the roles the invite names', async () => {
    const { token } = await invite({ roles: ['DEVELOPER', 'VIEWER'] });
    const password = strongPassword();
    const res = await register('dev@example.com', token, password);
    expect(res.statusCode, res.body).toBe(201);
    expect([...res.json().roles].sort()).toEqual(['DEVELOPER', 'VIEWER']);
    const me = await r.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: bearer(await login(r, 'dev@example.com', password)),
    });
    expect([...me.json().roles].sort()).toEqual(['DEVELOPER', 'VIEWER']);
  });

  it('leaves the invite unspent when the registration fails on a taken email', async () => {
    const { token } = await invite();
    expectProblem(await register(admin.email, token), 409, 'account_exists');
    expect((await register('retry@example.com', token)).statusCode).toBe(201);
  });

  it('leaves the invite unspent when the password is refused', async () => {
    const { token } = await invite();
    expectProblem(await register('weak@example.com', token, 'short'), 422, 'password_too_short');
    expect((await register('weak@example.com', token)).statusCode).toBe(201);
  });

  it("replaces an email's unused invite with a new one: only the newest token works", async () => {
    const events: { type: string; details: Record<string, unknown> }[] = [];
    r.events.subscribe('invite-test', (e) => {
      events.push(e);
    });
    const first = await invite({ email: 'reinvited@example.com' });
    const unbound = await invite();
    const second = await invite({ email: 'REINVITED@example.com' });
    expect(
      events.filter((e) => e.type === 'invite.created').map((e) => e.details.replaced),
    ).toEqual([0, 0, 1]);
    const list = await r.app.inject({
      method: 'GET',
      url: '/v1/invites',
      headers: bearer(admin.token),
    });
    const ids = list.json<{ items: { id: string }[] }>().items.map((i) => i.id);
    expect(ids).not.toContain(first.invite.id);
    expect(ids).toContain(second.invite.id);
    expect(ids).toContain(unbound.invite.id);
    expectProblem(await register('reinvited@example.com', first.token), 403, 'invite_invalid');
    expect((await register('reinvited@example.com', second.token)).statusCode).toBe(201);
  });

  it('of five invites for one email created at once, exactly one token registers', async () => {
    const created = await Promise.all(
      Array.from({ length: 5 }, () => invite({ email: 'raced@example.com' })),
    );
    const outcomes = await Promise.all(
      created.map(async ({ token }) => (await register('raced@example.com', token)).statusCode),
    );
    expect(outcomes.filter((status) => status === 201)).toHaveLength(1);
    expect(outcomes.filter((status) => status === 403)).toHaveLength(4);
  });

  it('lists pending invites, and used ones on request', async () => {
    const { invite: pending } = await invite();
    const list = await r.app.inject({
      method: 'GET',
      url: '/v1/invites',
      headers: bearer(admin.token),
    });
    expect(list.statusCode, list.body).toBe(200);
    const items = list.json<{ items: { id: string; used_at: string | null }[] }>().items;
    expect(items.map((i) => i.id)).toContain(pending.id);
    expect(items.every((i) => i.used_at === null)).toBe(true);
    expect(list.body).not.toMatch(/rmpinv_|token/);

    const all = await r.app.inject({
      method: 'GET',
      url: '/v1/invites?include_used=true',
      headers: bearer(admin.token),
    });
    const allItems = all.json<{ items: { used_at: string | null }[] }>().items;
    expect(allItems.some((i) => i.used_at !== null)).toBe(true);
  });

  it('revokes an unused invite, which then cannot be used', async () => {
    const { invite: created, token } = await invite();
    const del = await r.app.inject({
      method: 'DELETE',
      url: `/v1/invites/${created.id}`,
      headers: bearer(admin.token),
    });
    expect(del.statusCode).toBe(204);
    expectProblem(await register('revoked@example.com', token), 403, 'invite_invalid');
    const again = await r.app.inject({
      method: 'DELETE',
      url: `/v1/invites/${created.id}`,
      headers: bearer(admin.token),
    });
    expectProblem(again, 404, 'invite_not_found');
  });

  it('refuses invites to a non-admin with 403 permission_denied', async () => {
    const { token } = await invite();
    const password = strongPassword();
    await register('plain@example.com', token, password);
    const userToken = await login(r, 'plain@example.com', password);
    for (const req of [
      { method: 'GET' as const, url: '/v1/invites' },
      { method: 'POST' as const, url: '/v1/invites', payload: { roles: ['ADMIN'] } },
      { method: 'DELETE' as const, url: '/v1/invites/any-id' },
    ]) {
      const res = await r.app.inject({ ...req, headers: bearer(userToken) });
      expectProblem(res, 403, 'permission_denied');
    }
  });

  it('refuses invites without a token with 401 authentication_required', async () => {
    const res = await r.app.inject({ method: 'POST', url: '/v1/invites', payload: {} });
    expectProblem(res, 401, 'authentication_required');
  });

  it('refuses an invite body with an unknown role', async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/invites',
      headers: bearer(admin.token),
      payload: { roles: ['ROOT'] },
    });
    expectProblem(res, 400, 'validation_failed');
  });
});
