/**
 * Attacks on account administration: a non-administrator (or a stolen administrator
 * token without a fresh second factor) lists, locks, re-roles or deletes accounts; an
 * administrator — malicious or mistaken — removes the last administrator, leaving nobody
 * able to administer the server; an attacker holding a session of an account the
 * administrator locks keeps using it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mfaToken } from '../../../test/support/authz-helpers.js';
import {
  bearer,
  createUser,
  expectProblem,
  loginSession,
} from '../../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

describe('admin account API guards', () => {
  let r: TestRampart;
  let admin: { email: string; password: string; id: string };
  let adminToken: string;
  let victim: { email: string; password: string; id: string };

  beforeAll(async () => {
    r = await startTestRampart();
    admin = await createUser(r, 'root@example.com', ['ADMIN']);
    adminToken = (await loginSession(r, admin.email, admin.password)).access_token;
    victim = await createUser(r, 'victim@example.com', ['VIEWER']);
  }, 60_000);

  afterAll(async () => {
    await r?.close();
  });

  it('refuses every admin account route to a developer, with permission_denied', async () => {
    const dev = await createUser(r, 'dev@example.com', ['DEVELOPER']);
    const token = (await loginSession(r, dev.email, dev.password)).access_token;
    const routes: [string, string, unknown?][] = [
      ['GET', '/v1/admin/accounts'],
      ['GET', `/v1/admin/accounts/${victim.id}`],
      ['POST', `/v1/admin/accounts/${victim.id}/lock`, {}],
      ['POST', `/v1/admin/accounts/${victim.id}/unlock`],
      ['PUT', `/v1/admin/accounts/${victim.id}/roles`, { roles: ['ADMIN'] }],
      ['PUT', `/v1/admin/accounts/${dev.id}/roles`, { roles: ['ADMIN'] }],
      ['DELETE', `/v1/admin/accounts/${victim.id}`],
    ];
    for (const [method, url, payload] of routes) {
      const res = await r.app.inject({
        method: method as 'GET',
        url,
        headers: bearer(token),
        ...(payload ? { payload: payload as object } : {}),
      });
      expectProblem(res, 403, 'permission_denied');
    }
    expect((await r.stores.accounts.findAccountById(dev.id))?.roles).toEqual(['DEVELOPER']);
  });

  it('refuses anonymous callers with authentication_required', async () => {
    expectProblem(
      await r.app.inject({ method: 'GET', url: '/v1/admin/accounts' }),
      401,
      'authentication_required',
    );
  });

  it('needs a recent MFA login to change roles or delete (step_up_required)', async () => {
    expectProblem(
      await r.app.inject({
        method: 'PUT',
        url: `/v1/admin/accounts/${victim.id}/roles`,
        headers: bearer(adminToken),
        payload: { roles: ['ADMIN'] },
      }),
      401,
      'step_up_required',
    );
    expectProblem(
      await r.app.inject({
        method: 'DELETE',
        url: `/v1/admin/accounts/${victim.id}`,
        headers: bearer(adminToken),
      }),
      401,
      'step_up_required',
    );
    const stored = await r.stores.accounts.findAccountById(victim.id);
    expect(stored?.roles).toEqual(['VIEWER']);
    expect(stored?.status).toBe('active');
  });

  it('never removes ADMIN from, or deletes, the last administrator', async () => {
    const stepUp = await mfaToken(r, admin.email);
    expectProblem(
      await r.app.inject({
        method: 'PUT',
        url: `/v1/admin/accounts/${admin.id}/roles`,
        headers: bearer(stepUp),
        payload: { roles: ['VIEWER'] },
      }),
      409,
      'last_admin',
    );
    expectProblem(
      await r.app.inject({
        method: 'DELETE',
        url: `/v1/admin/accounts/${admin.id}`,
        headers: bearer(stepUp),
      }),
      409,
      'last_admin',
    );
    expect((await r.stores.accounts.findAccountById(admin.id))?.roles).toEqual(['ADMIN']);
  });

  it('counts ADMIN assigned through the authz policy as an administrator, both ways', async () => {
    const deputy = await createUser(r, 'deputy@example.com');
    await r.authz.policy.setAssignments(deputy.id, ['ADMIN'], { kind: 'system' }, {});
    const stepUp = await mfaToken(r, admin.email);
    // The deputy holds ADMIN by assignment only, and is not the last one: removable…
    // …but first, with the deputy there, root may drop its own ADMIN role.
    const demote = await r.app.inject({
      method: 'PUT',
      url: `/v1/admin/accounts/${admin.id}/roles`,
      headers: bearer(stepUp),
      payload: { roles: [] },
    });
    expect(demote.statusCode, demote.body).toBe(200);
    // Now the deputy is the last administrator (by assignment): it cannot be deleted.
    const deputyStepUp = await mfaToken(r, deputy.email);
    expectProblem(
      await r.app.inject({
        method: 'DELETE',
        url: `/v1/admin/accounts/${deputy.id}`,
        headers: bearer(deputyStepUp),
      }),
      409,
      'last_admin',
    );
    // Restore root.
    const restore = await r.app.inject({
      method: 'PUT',
      url: `/v1/admin/accounts/${admin.id}/roles`,
      headers: bearer(deputyStepUp),
      payload: { roles: ['ADMIN'] },
    });
    expect(restore.statusCode, restore.body).toBe(200);
    await r.authz.policy.setAssignments(deputy.id, [], { kind: 'system' }, {});
  });

  it('refuses taking ADMIN from the last administrator through the authz assignments API too', async () => {
    // Make the only administrator one by assignment: root steps down while lead holds it.
    const lead = await createUser(r, 'lead@example.com');
    const rootStepUp = await mfaToken(r, admin.email);
    const assign = await r.app.inject({
      method: 'PUT',
      url: `/v1/authz/assignments/${lead.id}`,
      headers: bearer(rootStepUp),
      payload: { roles: ['ADMIN'] },
    });
    expect(assign.statusCode, assign.body).toBe(200);
    const stepDown = await r.app.inject({
      method: 'PUT',
      url: `/v1/admin/accounts/${admin.id}/roles`,
      headers: bearer(rootStepUp),
      payload: { roles: [] },
    });
    expect(stepDown.statusCode, stepDown.body).toBe(200);
    const leadStepUp = await mfaToken(r, lead.email);
    expectProblem(
      await r.app.inject({
        method: 'PUT',
        url: `/v1/authz/assignments/${lead.id}`,
        headers: bearer(leadStepUp),
        payload: { roles: ['VIEWER'] },
      }),
      409,
      'last_admin',
    );
    expect(r.authz.policy.assignedTo(lead.id)).toEqual(['ADMIN']);
    // With root an administrator again, the assignment can go.
    const restore = await r.app.inject({
      method: 'PUT',
      url: `/v1/admin/accounts/${admin.id}/roles`,
      headers: bearer(leadStepUp),
      payload: { roles: ['ADMIN'] },
    });
    expect(restore.statusCode, restore.body).toBe(200);
    const unassign = await r.app.inject({
      method: 'PUT',
      url: `/v1/authz/assignments/${lead.id}`,
      headers: bearer(leadStepUp),
      payload: { roles: [] },
    });
    expect(unassign.statusCode, unassign.body).toBe(200);
  });

  it('refuses the access token of a demoted administrator at once, not when it expires', async () => {
    const former = await createUser(r, 'former@example.com', ['ADMIN']);
    const { access_token: oldToken } = await loginSession(r, former.email, former.password);
    const demote = await r.app.inject({
      method: 'PUT',
      url: `/v1/admin/accounts/${former.id}/roles`,
      headers: bearer(await mfaToken(r, admin.email)),
      payload: { roles: ['VIEWER'] },
    });
    expect(demote.statusCode, demote.body).toBe(200);
    expectProblem(
      await r.app.inject({
        method: 'GET',
        url: '/v1/admin/accounts',
        headers: bearer(oldToken),
      }),
      401,
      'invalid_token',
    );
    // A new sign-in gets the new roles only.
    const fresh = (await loginSession(r, former.email, former.password)).access_token;
    expectProblem(
      await r.app.inject({ method: 'GET', url: '/v1/admin/accounts', headers: bearer(fresh) }),
      403,
      'permission_denied',
    );
  });

  it('ends a locked account’s stolen session and refresh token at once', async () => {
    const stolen = await loginSession(r, victim.email, victim.password);
    // Root's earlier sessions ended when its roles were changed above: sign in again.
    const token = (await loginSession(r, admin.email, admin.password)).access_token;
    const lock = await r.app.inject({
      method: 'POST',
      url: `/v1/admin/accounts/${victim.id}/lock`,
      headers: bearer(token),
      payload: {},
    });
    expect(lock.statusCode, lock.body).toBe(200);
    expectProblem(
      await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(stolen.access_token) }),
      401,
      'invalid_token',
    );
    const refreshed = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refresh_token: stolen.refresh_token },
    });
    expect(refreshed.statusCode).toBe(401);
    // The password still opens nothing: the same answer as a wrong password.
    expectProblem(
      await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: victim.email, password: victim.password },
      }),
      401,
      'invalid_credentials',
    );
  });
});
