import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mfaToken } from '../../../test/support/authz-helpers.js';
import {
  bearer,
  createUser,
  expectProblem,
  loginSession,
} from '../../../test/support/http-helpers.js';
import { recordEvents } from '../../../test/support/oauth-flow.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';

interface AccountJson {
  id: string;
  email: string;
  roles: string[];
  effective_roles: string[];
  locked: boolean;
  locked_until: string | null;
}

interface DetailJson extends AccountJson {
  assigned_roles: string[];
  mfa_enabled: boolean;
  linked_identities: number;
  active_sessions: number;
  active_api_keys: number;
}

// SQLite with the memory hot store; PostgreSQL with Redis when both are configured.
const backends: { database: 'sqlite' | 'postgres'; hot: 'memory' | 'redis' }[] = [
  { database: 'sqlite', hot: 'memory' },
  ...(process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL
    ? [{ database: 'postgres' as const, hot: 'redis' as const }]
    : []),
];

describe.each(backends)('admin account API ($database, $hot)', (backend) => {
  let r: TestRampart;
  let admin: { email: string; password: string; id: string };
  let token: string;
  let stepUp: string;
  let events: ReturnType<typeof recordEvents>;

  beforeAll(async () => {
    r = await startTestRampart(backend);
    admin = await createUser(r, 'root@example.com', ['ADMIN']);
    token = (await loginSession(r, admin.email, admin.password)).access_token;
    stepUp = await mfaToken(r, admin.email);
    for (const name of ['alice', 'alfred', 'bob', 'carol', 'dave']) {
      await createUser(r, `${name}@team.example`, name === 'carol' ? ['DEVELOPER'] : []);
    }
    events = recordEvents(r);
  }, 60_000);

  afterAll(async () => {
    await r?.close();
  });

  const list = (query: string, auth = token) =>
    r.app.inject({ method: 'GET', url: `/v1/admin/accounts?${query}`, headers: bearer(auth) });

  it('finds accounts by email prefix and by substring, case-insensitively', async () => {
    const prefix = await list('query=AL');
    expect(prefix.statusCode, prefix.body).toBe(200);
    expect(prefix.json<{ items: AccountJson[] }>().items.map((a) => a.email)).toEqual([
      'alice@team.example',
      'alfred@team.example',
    ]);
    const inner = await list('query=team.ex');
    expect(inner.json<{ items: AccountJson[] }>().items).toHaveLength(5);
  });

  it('treats LIKE wildcards in the query as plain text', async () => {
    const res = await list(`query=${encodeURIComponent('%')}`);
    expect(res.json<{ items: AccountJson[] }>().items).toEqual([]);
    const underscore = await list('query=a_ice');
    expect(underscore.json<{ items: AccountJson[] }>().items).toEqual([]);
  });

  it('pages with an opaque cursor until next_cursor is null, each account once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<{ items: AccountJson[]; next_cursor: string | null }>();
      seen.push(...page.items.map((a) => a.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(6);
  });

  it('refuses a cursor it did not issue with account_invalid_cursor', async () => {
    expectProblem(await list('cursor=bm9wZQ'), 400, 'account_invalid_cursor');
  });

  it('refuses a limit over 100 and unknown query parameters with validation problems', async () => {
    expect((await list('limit=101')).statusCode).toBe(400);
    expect((await list('sort=email')).statusCode).toBe(400);
  });

  it('filters by built-in role and by a custom role assigned through the policy', async () => {
    const devs = await list('role=DEVELOPER');
    expect(devs.json<{ items: AccountJson[] }>().items.map((a) => a.email)).toEqual([
      'carol@team.example',
    ]);
    const dave = (await r.stores.accounts.findAccountByEmail('dave@team.example'))!;
    await r.authz.policy.putRole(
      { name: 'auditor', description: null, inherits: ['VIEWER'], permissions: [] },
      { kind: 'system' },
      {},
    );
    await r.authz.policy.setAssignments(dave.id, ['auditor'], { kind: 'system' }, {});
    const auditors = (await list('role=auditor')).json<{ items: AccountJson[] }>().items;
    expect(auditors.map((a) => a.email)).toEqual(['dave@team.example']);
    expect(auditors[0]?.effective_roles).toEqual(['auditor']);
    expect(auditors[0]?.roles).toEqual([]);
    // VIEWER through an assigned role inheriting it.
    const viewers = (await list('role=VIEWER')).json<{ items: AccountJson[] }>().items;
    expect(viewers.map((a) => a.email)).toContain('dave@team.example');
  });

  it('shows an account with held, assigned and effective roles, MFA, lock, identities and sessions', async () => {
    const bob = await createUser(r, 'bob2@team.example', ['VIEWER']);
    await loginSession(r, bob.email, bob.password);
    await loginSession(r, bob.email, bob.password);
    await r.authz.policy.setAssignments(bob.id, ['auditor'], { kind: 'system' }, {});
    const res = await r.app.inject({
      method: 'GET',
      url: `/v1/admin/accounts/${bob.id}`,
      headers: bearer(token),
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<DetailJson>();
    expect(body).toMatchObject({
      id: bob.id,
      roles: ['VIEWER'],
      assigned_roles: ['auditor'],
      effective_roles: ['VIEWER', 'auditor'],
      mfa_enabled: false,
      locked: false,
      locked_until: null,
      linked_identities: 0,
      active_sessions: 2,
      active_api_keys: 0,
    });
    expect(body).not.toHaveProperty('password_hash');
  });

  it('answers 404 account_not_found for an unknown id', async () => {
    expectProblem(
      await r.app.inject({
        method: 'GET',
        url: '/v1/admin/accounts/no-such-account',
        headers: bearer(token),
      }),
      404,
      'account_not_found',
    );
  });

  it('replaces built-in roles with before and after in the event', async () => {
    const erin = await createUser(r, 'erin@team.example', ['VIEWER']);
    const res = await r.app.inject({
      method: 'PUT',
      url: `/v1/admin/accounts/${erin.id}/roles`,
      headers: bearer(stepUp),
      payload: { roles: ['DEVELOPER'] },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<DetailJson>().roles).toEqual(['DEVELOPER']);
    expect((await r.stores.accounts.findAccountById(erin.id))?.roles).toEqual(['DEVELOPER']);
    const event = events.find(
      (e) => e.type === 'account.roles.changed' && e.target?.id === erin.id,
    );
    expect(event?.actor.id).toBe(admin.id);
    expect(event?.details).toEqual({
      before: { roles: ['VIEWER'], effectiveRoles: ['VIEWER'] },
      after: { roles: ['DEVELOPER'], effectiveRoles: ['DEVELOPER'] },
      sessionsRevoked: 0,
    });
    // The new role is in force at once: a fresh token carries it.
    const session = await loginSession(r, erin.email, erin.password);
    const whoami = await r.app.inject({
      method: 'GET',
      url: '/v1/auth/whoami',
      headers: bearer(session.access_token),
    });
    expect(whoami.json<{ roles: string[] }>().roles).toEqual(['DEVELOPER']);
  });

  it('refuses custom roles in the built-in roles body (they go through the authz assignments)', async () => {
    const frank = await createUser(r, 'frank@team.example');
    const res = await r.app.inject({
      method: 'PUT',
      url: `/v1/admin/accounts/${frank.id}/roles`,
      headers: bearer(stepUp),
      payload: { roles: ['auditor'] },
    });
    expectProblem(res, 400, 'validation_failed');
  });

  it('locks an account: sign-in refused, sessions revoked, unlock lifts it', async () => {
    const gina = await createUser(r, 'gina@team.example');
    const session = await loginSession(r, gina.email, gina.password);
    const lock = await r.app.inject({
      method: 'POST',
      url: `/v1/admin/accounts/${gina.id}/lock`,
      headers: bearer(token),
    });
    expect(lock.statusCode, lock.body).toBe(200);
    expect(lock.json<{ sessions_revoked: number }>().sessions_revoked).toBe(1);
    const until = Date.parse(lock.json<{ locked_until: string }>().locked_until);
    expect(until).toBeGreaterThan(Date.now() + 300 * 86_400_000);

    const me = await r.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: bearer(session.access_token),
    });
    expect(me.statusCode).toBe(401);
    const refresh = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refresh_token: session.refresh_token },
    });
    expect(refresh.statusCode).toBe(401);
    expectProblem(
      await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: gina.email, password: gina.password },
      }),
      401,
      'invalid_credentials',
    );
    const detail = await r.app.inject({
      method: 'GET',
      url: `/v1/admin/accounts/${gina.id}`,
      headers: bearer(token),
    });
    expect(detail.json<DetailJson>()).toMatchObject({ locked: true, active_sessions: 0 });
    expect(
      events.some(
        (e) =>
          e.type === 'auth.account.locked' && e.target?.id === gina.id && e.actor.id === admin.id,
      ),
    ).toBe(true);

    const unlock = await r.app.inject({
      method: 'POST',
      url: `/v1/admin/accounts/${gina.id}/unlock`,
      headers: bearer(token),
    });
    expect(unlock.statusCode).toBe(204);
    await loginSession(r, gina.email, gina.password);
  });

  it('locks for the duration asked', async () => {
    const hank = await createUser(r, 'hank@team.example');
    const lock = await r.app.inject({
      method: 'POST',
      url: `/v1/admin/accounts/${hank.id}/lock`,
      headers: bearer(token),
      payload: { duration_seconds: 120 },
    });
    const until = Date.parse(lock.json<{ locked_until: string }>().locked_until);
    expect(until).toBeGreaterThan(Date.now() + 60_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 121_000);
  });

  it('refuses an administrator locking their own account', async () => {
    expectProblem(
      await r.app.inject({
        method: 'POST',
        url: `/v1/admin/accounts/${admin.id}/lock`,
        headers: bearer(token),
      }),
      409,
      'account_self_lock',
    );
  });

  it('deletes an account: erased, sessions and keys revoked, assignments removed, events emitted', async () => {
    const ivan = await createUser(r, 'ivan@team.example', ['DEVELOPER']);
    const session = await loginSession(r, ivan.email, ivan.password);
    const key = await r.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(session.access_token),
      payload: { name: 'ci', scopes: ['apikeys:read'] },
    });
    expect(key.statusCode, key.body).toBe(201);
    const apiKey = key.json<{ key: string }>().key;
    await r.authz.policy.setAssignments(ivan.id, ['auditor'], { kind: 'system' }, {});

    const res = await r.app.inject({
      method: 'DELETE',
      url: `/v1/admin/accounts/${ivan.id}`,
      headers: bearer(stepUp),
    });
    expect(res.statusCode, res.body).toBe(200);
    const { pseudonym } = res.json<{ deleted: true; pseudonym: string }>();
    expect(pseudonym).toBe(r.gdpr.pseudonymOf(ivan.id));

    const stored = await r.stores.accounts.findAccountById(ivan.id);
    expect(stored?.email).not.toContain('ivan');
    expect(stored?.status).toBe('disabled');
    expect(r.authz.policy.assignedTo(ivan.id)).toEqual([]);
    const withKey = await r.app.inject({
      method: 'GET',
      url: '/v1/auth/whoami',
      headers: { 'x-api-key': apiKey },
    });
    expect(withKey.statusCode).toBe(401);
    const withToken = await r.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: bearer(session.access_token),
    });
    expect(withToken.statusCode).toBe(401);
    const types = events.filter((e) => e.target?.id === ivan.id).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['account.deleted', 'gdpr.erased']));
    const deleted = events.find((e) => e.type === 'account.deleted');
    expect(deleted?.details).toMatchObject({
      pseudonym,
      before: { roles: ['DEVELOPER'], assignedRoles: ['auditor'] },
    });
    // Deleting again: the account is gone.
    expectProblem(
      await r.app.inject({
        method: 'DELETE',
        url: `/v1/admin/accounts/${ivan.id}`,
        headers: bearer(stepUp),
      }),
      404,
      'account_not_found',
    );
  });

  it('keeps the audit chain verifiable after a deletion, the account still named by its id', async () => {
    const audit = r.audit;
    if (!audit) throw new Error('the audit trail is on by default');
    await audit.flush();
    const verified = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/audit/verify',
      headers: bearer(token),
    });
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json<{ ok: boolean; checked: number }>()).toMatchObject({ ok: true });
    expect(verified.json<{ checked: number }>().checked).toBeGreaterThan(0);
  });
});
