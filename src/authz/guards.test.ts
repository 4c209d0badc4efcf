import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mfaToken } from '../../test/support/authz-helpers.js';
import {
  bearer,
  createAdmin,
  createUser,
  expectProblem,
  login,
  type TestUser,
} from '../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../test/support/test-rampart.js';
import type { SecurityEvent } from '../events/security-event.js';

/** Test routes guarded as an application would guard its own. */
async function documents(app: FastifyInstance): Promise<void> {
  const auth = app.rampartAuth;
  app.get<{ Params: { id: string } }>(
    '/test/documents/:id',
    {
      preHandler: auth.requirePermission('documents:read', {
        resource: (req) => ({
          type: 'documents',
          id: (req.params as { id: string }).id,
          attributes: { classification: 'internal' },
        }),
      }),
    },
    async (req) => ({ id: req.params.id }),
  );
  app.get(
    '/test/broken',
    {
      preHandler: auth.requirePermission('documents:read', {
        resource: () => {
          throw new Error('lookup failed');
        },
      }),
    },
    async () => ({ ok: true }),
  );
  app.get('/test/reports', { preHandler: auth.requirePermission('reports:read') }, async () => ({
    ok: true,
  }));
  app.get('/test/admin-only', { preHandler: auth.requireRole('ADMIN') }, async () => ({
    ok: true,
  }));
}

describe("Rampart's guards decide through the authorization engine", () => {
  let r: TestRampart;
  let admin: TestUser;
  let adminMfa: string;
  let alice: { id: string; email: string; token: string };
  let bob: { id: string; email: string; token: string };
  const events: SecurityEvent[] = [];

  beforeAll(async () => {
    r = await startTestRampart({ register: documents });
    r.events.subscribe('test', (e) => {
      events.push(e);
    });
    admin = await createAdmin(r);
    adminMfa = await mfaToken(r, admin.email);
    const a = await createUser(r, 'alice@example.com');
    alice = { ...a, token: await login(r, a.email, a.password) };
    const b = await createUser(r, 'bob@example.com', ['VIEWER']);
    bob = { ...b, token: await login(r, b.email, b.password) };
  });
  afterAll(async () => r?.close());

  const get = (url: string, token: string) =>
    r.app.inject({ method: 'GET', url, headers: bearer(token) });
  const admin$ = (method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    r.app.inject({ method, url, headers: bearer(adminMfa), ...(payload ? { payload } : {}) });

  it('allows a resource through a grant to the principal, and only that resource', async () => {
    expectProblem(await get('/test/documents/doc-1', alice.token), 403, 'permission_denied');
    const grant = await admin$('POST', '/v1/authz/grants', {
      id: 'alice-doc-1',
      subject: { principal: alice.id },
      resourceType: 'documents',
      resourceId: 'doc-1',
      actions: ['read'],
    });
    expect(grant.statusCode, grant.body).toBe(201);
    expect((await get('/test/documents/doc-1', alice.token)).statusCode).toBe(200);
    expectProblem(await get('/test/documents/doc-2', alice.token), 403, 'permission_denied');
    const denied = events.findLast((e) => e.type === 'authz.denied' && e.actor.id === alice.id);
    expect(denied?.details).toMatchObject({
      permission: 'documents:read',
      reason: 'no_grant',
      resource: 'documents:doc-2',
    });
  });

  it('lets a deny grant beat the role permission of a VIEWER', async () => {
    expect((await get('/test/documents/secret-1', bob.token)).statusCode).toBe(200);
    const deny = await admin$('POST', '/v1/authz/grants', {
      id: 'no-secrets',
      subject: { role: 'VIEWER' },
      resourceType: 'documents',
      resourceId: 'secret-*',
      actions: ['*'],
      effect: 'deny',
    });
    expect(deny.statusCode, deny.body).toBe(201);
    expectProblem(await get('/test/documents/secret-1', bob.token), 403, 'permission_denied');
    expect((await get('/test/documents/public-1', bob.token)).statusCode).toBe(200);
  });

  it('denies when the resource cannot be established (fails closed)', async () => {
    expectProblem(await get('/test/broken', admin.token), 403, 'permission_denied');
  });

  it('gives an assigned custom role its permissions and the roles it inherits', async () => {
    expectProblem(await get('/test/reports', alice.token), 403, 'permission_denied');
    expectProblem(await get('/test/admin-only', alice.token), 403, 'permission_denied');
    const role = await admin$('PUT', '/v1/authz/roles/ops', {
      inherits: ['ADMIN'],
      permissions: ['reports:read'],
    });
    expect(role.statusCode, role.body).toBe(201);
    const assign = await admin$('PUT', `/v1/authz/assignments/${alice.id}`, { roles: ['ops'] });
    expect(assign.statusCode, assign.body).toBe(200);
    expect((await get('/test/reports', alice.token)).statusCode).toBe(200);
    expect((await get('/test/admin-only', alice.token)).statusCode).toBe(200);
    expect(
      (await admin$('PUT', `/v1/authz/assignments/${alice.id}`, { roles: [] })).statusCode,
    ).toBe(200);
    expectProblem(await get('/test/admin-only', alice.token), 403, 'permission_denied');
  });

  it("never lets an API key exceed its owner's roles or its own scopes", async () => {
    const issued = await r.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(bob.token),
      payload: { name: 'reader', scopes: ['documents:read'] },
    });
    expect(issued.statusCode, issued.body).toBe(201);
    const key = issued.json<{ key: string }>().key;
    expect((await get('/test/documents/public-2', key)).statusCode).toBe(200);
    // The scope does not cover reports, though the owner (a VIEWER) may read them.
    const res = await get('/test/reports', key);
    expectProblem(res, 403, 'permission_denied');
    expect(
      events.findLast((e) => e.type === 'authz.denied' && e.actor.kind === 'api_key')?.details,
    ).toMatchObject({ reason: 'scope_not_granted' });
    // The owner's deny grant binds the key too.
    expectProblem(await get('/test/documents/secret-2', key), 403, 'permission_denied');
  });

  it('lets an owner issue key scopes their assigned custom role holds, and no others', async () => {
    const carol = await createUser(r, 'carol@example.com');
    const carolToken = await login(r, carol.email, carol.password);
    const issue = (scopes: string[]) =>
      r.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(carolToken),
        payload: { name: `k-${scopes.join('-')}`, scopes },
      });
    expect((await issue(['reports:read'])).statusCode).toBe(403);
    await admin$('PUT', '/v1/authz/roles/reporter', { permissions: ['reports:read'] });
    await admin$('PUT', `/v1/authz/assignments/${carol.id}`, { roles: ['reporter'] });
    const issued = await issue(['reports:read']);
    expect(issued.statusCode, issued.body).toBe(201);
    expect((await get('/test/reports', issued.json<{ key: string }>().key)).statusCode).toBe(200);
    expect((await issue(['reports:delete'])).statusCode).toBe(403);
    // Taking the role away takes it from the key at once, whatever the key's scopes say.
    await admin$('PUT', `/v1/authz/assignments/${carol.id}`, { roles: [] });
    expectProblem(
      await get('/test/reports', issued.json<{ key: string }>().key),
      403,
      'permission_denied',
    );
  });
});

describe('the environment access matrix on Rampart’s own routes', () => {
  let r: TestRampart;
  beforeAll(async () => {
    r = await startTestRampart({
      register: documents,
      overrides: { authz: { environment: { development: ['DEVELOPER'] } } },
    });
  });
  afterAll(async () => r?.close());

  it('refuses a role not listed for the current environment and allows one inheriting a listed role', async () => {
    const viewer = await createUser(r, 'env-viewer@example.com', ['VIEWER']);
    const res = await r.app.inject({
      method: 'GET',
      url: '/test/reports',
      headers: bearer(await login(r, viewer.email, viewer.password)),
    });
    expectProblem(res, 403, 'permission_denied');
    const admin = await createAdmin(r, 'env-admin@example.com');
    const ok = await r.app.inject({
      method: 'GET',
      url: '/test/reports',
      headers: bearer(admin.token),
    });
    expect(ok.statusCode, ok.body).toBe(200);
  });
});
