import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mfaToken } from '../../../test/support/authz-helpers.js';
import {
  bearer,
  createAdmin,
  createUser,
  expectProblem,
  login,
} from '../../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

describe('the policy API: roles, grants, assignments and explain', () => {
  let r: TestRampart;
  let token: string;
  let plainAdminToken: string;
  let viewerToken: string;
  let user: { id: string };

  beforeAll(async () => {
    r = await startTestRampart();
    const admin = await createAdmin(r);
    plainAdminToken = admin.token;
    token = await mfaToken(r, admin.email);
    const v = await createUser(r, 'policy-viewer@example.com', ['VIEWER']);
    viewerToken = await login(r, v.email, v.password);
    user = await createUser(r, 'policy-user@example.com');
  });
  afterAll(async () => r?.close());

  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: object,
    as = token,
  ) => r.app.inject({ method, url, headers: bearer(as), ...(payload ? { payload } : {}) });

  it('creates, reads, replaces and deletes a custom role', async () => {
    const created = await call('PUT', '/v1/authz/roles/auditor', {
      description: 'reads the audit trail',
      inherits: ['VIEWER'],
      permissions: ['audit:export'],
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      name: 'auditor',
      builtIn: false,
      inherits: ['VIEWER'],
      permissions: ['audit:export'],
    });
    const replaced = await call('PUT', '/v1/authz/roles/auditor', {
      inherits: ['VIEWER'],
      permissions: [],
    });
    expect(replaced.statusCode).toBe(200);
    const one = await call('GET', '/v1/authz/roles/auditor');
    expect(one.json()).toMatchObject({ permissions: [] });
    const list = await call('GET', '/v1/authz/roles?limit=2');
    expect(list.json()).toMatchObject({
      items: [{ name: 'ADMIN', builtIn: true }, { name: 'DEVELOPER' }],
      next: 'DEVELOPER',
    });
    const rest = await call('GET', '/v1/authz/roles?after=DEVELOPER');
    expect(rest.json<{ items: { name: string }[] }>().items.map((x) => x.name)).toEqual([
      'VIEWER',
      'auditor',
    ]);
    expect((await call('DELETE', '/v1/authz/roles/auditor')).statusCode).toBe(204);
    expectProblem(await call('GET', '/v1/authz/roles/auditor'), 404, 'authz_role_not_found');
  });

  it('refuses an inheritance cycle with authz_role_cycle naming it, and keeps the policy', async () => {
    expect((await call('PUT', '/v1/authz/roles/a', { inherits: [] })).statusCode).toBe(201);
    expect((await call('PUT', '/v1/authz/roles/b', { inherits: ['a'] })).statusCode).toBe(201);
    expect((await call('PUT', '/v1/authz/roles/c', { inherits: ['b'] })).statusCode).toBe(201);
    const res = await call('PUT', '/v1/authz/roles/a', { inherits: ['c'] });
    const problem = expectProblem(res, 409, 'authz_role_cycle');
    expect(problem.policyCode).toBe('role_cycle');
    expect(String(problem.detail)).toMatch(/a → c → b → a|a → b|c → b → a → c/);
    expect((await call('GET', '/v1/authz/roles/a')).json()).toMatchObject({ inherits: [] });
  });

  it('refuses an unknown parent, a built-in role and deleting a role still inherited', async () => {
    const unknown = expectProblem(
      await call('PUT', '/v1/authz/roles/d', { inherits: ['nope'] }),
      400,
      'authz_policy_invalid',
    );
    expect(unknown.policyCode).toBe('unknown_role');
    expectProblem(await call('PUT', '/v1/authz/roles/ADMIN', {}), 400, 'authz_role_builtin');
    expectProblem(await call('DELETE', '/v1/authz/roles/VIEWER'), 400, 'authz_role_builtin');
    expectProblem(await call('DELETE', '/v1/authz/roles/a'), 400, 'authz_policy_invalid');
  });

  it('adds, lists, filters and removes grants; a duplicate id is a conflict', async () => {
    const grant = {
      id: 'g-1',
      subject: { role: 'b' },
      resourceType: 'projects',
      resourceId: 'p-*',
      actions: ['read', 'update'],
      conditions: { ipCidrs: ['10.0.0.0/8'], timeWindow: { days: ['mon'], from: '09:00' } },
    };
    const added = await call('POST', '/v1/authz/grants', grant);
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json()).toMatchObject({ ...grant, effect: 'allow' });
    expectProblem(await call('POST', '/v1/authz/grants', grant), 409, 'authz_grant_exists');
    const bad = await call('POST', '/v1/authz/grants', {
      ...grant,
      id: 'g-bad',
      conditions: { ipCidrs: ['not-a-cidr'] },
    });
    expect(expectProblem(bad, 400, 'authz_policy_invalid').policyCode).toBe('invalid_condition');
    const ghost = await call('POST', '/v1/authz/grants', {
      ...grant,
      id: 'g-2',
      subject: { role: 'ghost' },
    });
    expectProblem(ghost, 400, 'authz_policy_invalid');
    const listed = await call('GET', '/v1/authz/grants?role=b');
    expect(listed.json<{ items: { id: string }[] }>().items.map((g) => g.id)).toEqual(['g-1']);
    expect(
      (await call('GET', '/v1/authz/grants?resourceType=other')).json<{ items: unknown[] }>().items,
    ).toEqual([]);
    expect((await call('DELETE', '/v1/authz/grants/g-1')).statusCode).toBe(204);
    expectProblem(await call('DELETE', '/v1/authz/grants/g-1'), 404, 'authz_grant_not_found');
  });

  it('assigns roles to existing accounts only', async () => {
    const ok = await call('PUT', `/v1/authz/assignments/${user.id}`, { roles: ['b', 'VIEWER'] });
    expect(ok.json()).toEqual({ principalId: user.id, roles: ['VIEWER', 'b'] });
    expect((await call('GET', `/v1/authz/assignments/${user.id}`)).json()).toEqual({
      principalId: user.id,
      roles: ['VIEWER', 'b'],
    });
    expectProblem(
      await call('PUT', '/v1/authz/assignments/nobody', { roles: ['b'] }),
      404,
      'authz_principal_not_found',
    );
    expectProblem(
      await call('PUT', `/v1/authz/assignments/${user.id}`, { roles: ['ghost'] }),
      400,
      'authz_policy_invalid',
    );
  });

  it('lets a VIEWER read the policy but not change it', async () => {
    expect((await call('GET', '/v1/authz/roles', undefined, viewerToken)).statusCode).toBe(200);
    expectProblem(
      await call('PUT', '/v1/authz/roles/x', {}, viewerToken),
      403,
      'permission_denied',
    );
  });

  it('refuses every policy change to a VIEWER and a DEVELOPER, assigning themselves ADMIN included', async () => {
    const dev = await createUser(r, 'policy-developer@example.com', ['DEVELOPER']);
    const developerToken = await login(r, dev.email, dev.password);
    const viewer = await r.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: bearer(viewerToken),
    });
    const viewerId = viewer.json<{ id: string }>().id;
    const grant = {
      id: 'escalate',
      subject: { principal: viewerId },
      resourceType: '*',
      resourceId: '*',
      actions: ['*'],
    };
    for (const as of [viewerToken, developerToken]) {
      for (const [method, url, payload] of [
        ['PUT', '/v1/authz/roles/x', { permissions: ['*'] }],
        ['DELETE', '/v1/authz/roles/x', undefined],
        ['POST', '/v1/authz/grants', grant],
        ['DELETE', '/v1/authz/grants/escalate', undefined],
        ['PUT', `/v1/authz/assignments/${viewerId}`, { roles: ['ADMIN'] }],
        ['PUT', `/v1/authz/assignments/${dev.id}`, { roles: ['ADMIN'] }],
      ] as const) {
        expectProblem(await call(method, url, payload, as), 403, 'permission_denied');
      }
    }
    // Nor may a VIEWER explain another principal's access (its roles and permissions).
    expectProblem(
      await call(
        'GET',
        `/v1/authz/explain?principal=${dev.id}&action=read&resourceType=reports&resourceId=r-1`,
        undefined,
        viewerToken,
      ),
      403,
      'permission_denied',
    );
    const assigned = await call('GET', `/v1/authz/assignments/${viewerId}`);
    expect(assigned.json()).toMatchObject({ roles: [] });
  });

  it('records every change as authz.policy.changed with the before and after in the audit trail', async () => {
    await call('PUT', '/v1/authz/roles/audited', { permissions: ['things:read'] });
    await call('PUT', '/v1/authz/roles/audited', { permissions: ['things:write'] });
    await r.audit?.flush();
    const res = await call(
      'GET',
      '/v1/admin/audit/events?action=authz.policy.changed&target_id=audited&limit=10',
    );
    expect(res.statusCode, res.body).toBe(200);
    const events = res.json<{ events: { details: Record<string, unknown> }[] }>().events;
    expect(events.map((e) => e.details.change)).toEqual(['updated', 'created']);
    expect(events[0]?.details).toMatchObject({
      before: { name: 'audited', permissions: ['things:read'] },
      after: { name: 'audited', permissions: ['things:write'] },
    });
  });

  it('requires a recent MFA login for policy changes (step-up)', async () => {
    const res = await call('PUT', '/v1/authz/roles/y', {}, plainAdminToken);
    const problem = expectProblem(res, 401, 'step_up_required');
    expect(problem.maxAgeSeconds).toBe(300);
    expect(res.headers['www-authenticate']).toMatch(
      /error="insufficient_user_authentication".*max_age=300/,
    );
  });

  it('explains a decision: inheritance path, covering permissions and grants with failed conditions', async () => {
    await call('PUT', '/v1/authz/roles/lead', { inherits: ['b'], permissions: ['reports:read'] });
    await call('POST', '/v1/authz/grants', {
      id: 'office-hours',
      subject: { role: 'a' },
      resourceType: 'projects',
      resourceId: 'p-1',
      actions: ['update'],
      conditions: { ipCidrs: ['10.0.0.0/8'] },
    });
    const res = await call('POST', '/v1/authz/explain', {
      principal: { kind: 'user', id: 'someone', roles: ['lead'] },
      action: 'update',
      resource: { type: 'projects', id: 'p-1' },
      context: { ip: '192.0.2.1' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.decision).toEqual({
      allowed: false,
      reason: 'condition_failed:ip',
      matched: { grantId: 'office-hours' },
    });
    expect(body.roles).toContainEqual({ role: 'a', path: ['lead', 'b', 'a'], permissions: [] });
    expect(body.grants).toEqual([
      { id: 'office-hours', effect: 'allow', via: 'a', outcome: 'condition_failed:ip' },
    ]);
    const ok = await call('POST', '/v1/authz/explain', {
      principal: { kind: 'user', id: 'someone', roles: ['lead'] },
      action: 'update',
      resource: { type: 'projects', id: 'p-1' },
      context: { ip: '10.1.2.3' },
    });
    expect(ok.json().decision).toMatchObject({
      allowed: true,
      reason: 'allowed_by_grant:office-hours',
    });
    expectProblem(
      await call(
        'POST',
        '/v1/authz/explain',
        {
          principal: { kind: 'user', id: 'x', roles: [] },
          action: 'read',
          resource: { type: 't', id: '1' },
        },
        viewerToken,
      ),
      403,
      'permission_denied',
    );
  });

  it('explains a stored principal by id (GET): its roles are looked up, unknown ids are 404', async () => {
    const v = await createUser(r, 'explain-viewer@example.com', ['VIEWER']);
    const res = await call(
      'GET',
      `/v1/authz/explain?principal=${v.id}&action=read&resourceType=reports&resourceId=r-1`,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().decision).toMatchObject({ allowed: true });
    expect(res.json().roles).toContainEqual(expect.objectContaining({ role: 'VIEWER' }));
    const write = await call(
      'GET',
      `/v1/authz/explain?principal=${v.id}&action=delete&resourceType=reports`,
    );
    expect(write.json().decision).toMatchObject({ allowed: false });
    expectProblem(
      await call('GET', '/v1/authz/explain?principal=nobody&action=read&resourceType=reports'),
      404,
      'authz_principal_not_found',
    );
    expectProblem(
      await call('GET', `/v1/authz/explain?principal=${v.id}&action=READ&resourceType=reports`),
      400,
      'validation_failed',
    );
  });
});
