import { afterEach, describe, expect, it } from 'vitest';
import {
  bearer,
  createAdmin,
  expectProblem,
  login,
  registerUser,
} from '../../../test/support/http-helpers.js';
import { testDatabaseKinds } from '../../../test/support/test-databases.js';
import {
  startTestRampart,
  strongPassword,
  type TestRampart,
} from '../../../test/support/test-rampart.js';

describe.each(testDatabaseKinds())('GDPR rights on %s', (database) => {
  let r: TestRampart | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  const start = async (reauthMaxAge?: number) => {
    r = await startTestRampart({
      database,
      ...(reauthMaxAge !== undefined ? { overrides: { dataProtection: { reauthMaxAge } } } : {}),
    });
    return r;
  };

  const auditActions = async (rampart: TestRampart, action: string) => {
    await rampart.audit?.flush();
    return (await rampart.database.db
      .selectFrom('audit_events' as never)
      .selectAll()
      .where('action' as never, '=', action as never)
      .execute()) as { details: string }[];
  };

  it('exports everything held about the caller, without secrets', async () => {
    const r = await start();
    const password = strongPassword();
    await r.accounts.createAccount(
      { email: 'export@example.com', password, roles: ['DEVELOPER'] },
      { kind: 'system' },
    );
    const user = {
      email: 'export@example.com',
      password,
      token: await login(r, 'export@example.com', password),
    };
    const key = await r.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(user.token),
      payload: { name: 'ci', scopes: ['audit:read'] },
    });
    expect(key.statusCode, key.body).toBe(201);
    const secretKey = key.json<{ key: string }>().key;
    await r.app.inject({
      method: 'PUT',
      url: '/v1/me/consents',
      headers: bearer(user.token),
      payload: { purpose: 'analytics', granted: true },
    });
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/me/export',
      headers: bearer(user.token),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-disposition']).toContain('attachment');
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      account: { email: 'export@example.com' },
      mfa: { totp: { enabled: false } },
      api_keys: [{ name: 'ci', scopes: ['audit:read'] }],
      audit_records_truncated: false,
    });
    expect((body.sessions as unknown[]).length).toBeGreaterThan(0);
    const actions = (body.audit_records as { action: string }[]).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.login.succeeded', 'apikey.created']));
    expect(body.consents).toMatchObject({
      consents: expect.arrayContaining([
        { purpose: 'analytics', granted: true, updated_at: expect.any(String) },
      ]),
    });
    // Nothing secret: no password or its hash, no key, no token.
    expect(res.body).not.toContain(secretKey);
    expect(res.body).not.toContain(user.password);
    expect(res.body).not.toContain('argon2');
    expect(res.body).not.toContain(user.token);
    expect(await auditActions(r, 'gdpr.exported')).toHaveLength(1);
  });

  it('erases personal data with the password, keeps the audit chain verifiable, and frees the email', async () => {
    const r = await start(0);
    const user = await registerUser(r, 'erase-me@example.com');
    const other = await login(r, user.email, user.password);
    const me = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(user.token) });
    const id = me.json<{ id: string }>().id;
    await r.app.inject({
      method: 'PUT',
      url: '/v1/me/consents',
      headers: bearer(user.token),
      payload: { purpose: 'marketing', granted: true },
    });

    // reauthMaxAge 0: a fresh login is not enough, the password is required.
    const noProof = await r.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: bearer(user.token),
    });
    expectProblem(noProof, 401, 'reauthentication_required');
    const wrong = await r.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: bearer(user.token),
      payload: { password: 'not the password at all' },
    });
    // A wrong password counts toward the lockout like a failed sign-in.
    expectProblem(wrong, 401, 'invalid_credentials');

    const res = await r.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: bearer(user.token),
      payload: { password: user.password },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { pseudonym } = res.json<{ pseudonym: string }>();
    expect(pseudonym).toMatch(/^[0-9a-f]{32}$/);
    expect(pseudonym).toBe(r.gdpr.pseudonymOf(id));

    // Every token of every session is dead, and the account cannot log in.
    for (const token of [user.token, other]) {
      const after = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });
      expect(after.statusCode).toBe(401);
    }
    const relogin = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: user.email, password: user.password },
    });
    expectProblem(relogin, 401, 'invalid_credentials');

    // Nothing personal is left in the account, its sessions or consents.
    const db = r.database.db;
    const account = await db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(account).toMatchObject({
      email: `erased-${pseudonym}@erased.invalid`,
      name: null,
      password_hash: null,
      status: 'disabled',
    });
    const sessions = await db
      .selectFrom('sessions')
      .selectAll()
      .where('account_id', '=', id)
      .execute();
    expect(sessions.length).toBeGreaterThan(0);
    expect(
      sessions.every((s) => s.ip === null && s.user_agent === null && s.revoked_at !== null),
    ).toBe(true);
    for (const table of ['consent_records', 'refresh_tokens'] as const) {
      expect(await db.selectFrom(table).selectAll().where('account_id', '=', id).execute()).toEqual(
        [],
      );
    }

    // The audit trail keeps its records, names the erasure by pseudonym, and verifies.
    const erased = await auditActions(r, 'gdpr.erased');
    expect(erased).toHaveLength(1);
    expect(JSON.parse(erased[0]?.details ?? '{}')).toMatchObject({ pseudonym, proof: 'password' });
    await r.audit?.checkpoint('manual');
    const admin = await createAdmin(r);
    const verify = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/audit/verify',
      headers: bearer(admin.token),
    });
    expect(verify.json()).toMatchObject({ ok: true });
    expect(await r.audit?.verify()).toMatchObject({ ok: true });

    // The anonymised row stays, so the id the audit records name still resolves: an
    // administrator reads it as a disabled account with nothing personal and nothing live.
    const tombstone = await r.app.inject({
      method: 'GET',
      url: `/v1/admin/accounts/${id}`,
      headers: bearer(admin.token),
    });
    expect(tombstone.statusCode).toBe(200);
    expect(tombstone.json()).toMatchObject({
      id,
      email: `erased-${pseudonym}@erased.invalid`,
      name: null,
      status: 'disabled',
      locked: false,
      mfa_enabled: false,
      linked_identities: 0,
      active_sessions: 0,
      active_api_keys: 0,
    });

    // The email can be registered again, as a new account.
    const again = await registerUser(r, 'erase-me@example.com');
    const newMe = await r.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: bearer(again.token),
    });
    expect(newMe.json<{ id: string }>().id).not.toBe(id);
  });

  it('erases MFA, recovery codes, reset tokens, provider identities, roles, invite addresses, key and device IPs', async () => {
    const r = await start(0);
    const password = strongPassword();
    const { id } = await r.accounts.createAccount(
      { email: 'traces@example.com', password, roles: ['DEVELOPER'] },
      { kind: 'system' },
    );
    const user = { email: 'traces@example.com', password };
    const earlier = await login(r, user.email, password);
    const token = await login(r, user.email, password);
    const key = await r.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(token),
      payload: { name: 'laptop', scopes: ['audit:read'] },
    });
    expect(key.statusCode, key.body).toBe(201);
    // What other features leave behind about the account, written as they would be.
    const db = r.database.db;
    const now = Date.now();
    await db
      .updateTable('api_keys')
      .set({ last_used_ip: '203.0.113.44' })
      .where('owner_id', '=', id)
      .execute();
    // A session signed out before the erasure still holds the device it was used from.
    const signedOut = await db
      .selectFrom('sessions')
      .select('id')
      .where('account_id', '=', id)
      .orderBy('created_at', 'asc')
      .executeTakeFirstOrThrow();
    await db
      .updateTable('sessions')
      .set({ revoked_at: now, revoked_reason: 'logout', ip: '203.0.113.45', user_agent: 'Old/1' })
      .where('id', '=', signedOut.id)
      .execute();
    await db
      .insertInto('mfa_totp')
      .values({
        account_id: id,
        secret_sealed: r.dataKeys.sealer.seal('JBSWY3DPEHPK3PXP', `mfa_totp:${id}`),
        created_at: now,
        enabled_at: now,
        last_used_step: null,
      })
      .execute();
    await db
      .insertInto('mfa_recovery_codes')
      .values({ id: 'rc-1', account_id: id, code_hash: 'h', created_at: now, used_at: null })
      .execute();
    await db
      .insertInto('password_reset_tokens')
      .values({
        id: 'prt-1',
        token_hash: 'th',
        account_id: id,
        created_at: now,
        expires_at: now + 60_000,
        used_at: null,
      })
      .execute();
    await db
      .insertInto('oauth_identities')
      .values({
        id: 'oid-1',
        account_id: id,
        provider_id: 'github',
        subject: '12345',
        email: 'traces@users.github.example',
        email_verified: 1,
        created_at: now,
        last_login_at: now,
      })
      .execute();
    await db
      .insertInto('invites')
      .values({
        id: 'inv-1',
        token_hash: 'ih',
        email: 'traces@example.com',
        roles: '[]',
        created_by: null,
        created_at: now,
        expires_at: now + 60_000,
        used_at: now,
        used_by: id,
      })
      .execute();

    const res = await r.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: bearer(earlier),
      payload: { password: user.password },
    });
    expect(res.statusCode, res.body).toBe(200);

    for (const table of [
      'mfa_totp',
      'mfa_recovery_codes',
      'password_reset_tokens',
      'oauth_identities',
      'account_roles',
    ] as const) {
      expect(
        await db.selectFrom(table).selectAll().where('account_id', '=', id).execute(),
        table,
      ).toEqual([]);
    }
    const invite = await db
      .selectFrom('invites')
      .selectAll()
      .where('id', '=', 'inv-1')
      .executeTakeFirstOrThrow();
    expect(invite.email).toBeNull();
    const keys = await db.selectFrom('api_keys').selectAll().where('owner_id', '=', id).execute();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.last_used_ip === null && k.revoked_at !== null)).toBe(true);
    const sessions = await db
      .selectFrom('sessions')
      .selectAll()
      .where('account_id', '=', id)
      .execute();
    expect(sessions.length).toBeGreaterThan(1);
    expect(sessions.every((s) => s.ip === null && s.user_agent === null)).toBe(true);
    expect(JSON.stringify(sessions)).not.toContain('Old/1');
  });

  it('erases without the password right after a login (recent authentication)', async () => {
    const r = await start(300);
    const user = await registerUser(r, 'recent@example.com');
    const res = await r.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: bearer(user.token),
    });
    expect(res.statusCode, res.body).toBe(200);
    const erased = await auditActions(r, 'gdpr.erased');
    expect(JSON.parse(erased[0]?.details ?? '{}')).toMatchObject({ proof: 'recent_login' });
  });

  it('refuses to erase the only administrator', async () => {
    const r = await start(300);
    const admin = await createAdmin(r);
    const res = await r.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: bearer(admin.token),
      payload: { password: admin.password },
    });
    expectProblem(res, 409, 'last_admin_erasure');
    const second = await createAdmin(r, 'second-admin@example.com');
    const ok = await r.app.inject({
      method: 'DELETE',
      url: '/v1/me',
      headers: bearer(second.token),
    });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('keeps consent per purpose with its history, and lets an admin read it', async () => {
    const r = await start();
    const user = await registerUser(r, 'consent@example.com');
    const put = (purpose: string, granted: boolean) =>
      r.app.inject({
        method: 'PUT',
        url: '/v1/me/consents',
        headers: bearer(user.token),
        payload: { purpose, granted },
      });
    expect((await put('marketing', true)).statusCode).toBe(200);
    expect((await put('marketing', true)).statusCode).toBe(200); // unchanged: no new row
    const last = await put('marketing', false);
    expect(last.json()).toMatchObject({
      consents: expect.arrayContaining([
        { purpose: 'marketing', granted: false, updated_at: expect.any(String) },
        { purpose: 'analytics', granted: false, updated_at: null },
      ]),
      history: [
        { purpose: 'marketing', granted: true },
        { purpose: 'marketing', granted: false },
      ],
    });
    expectProblem(await put('selling_data', true), 400, 'consent_purpose_unknown');

    const me = await r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(user.token) });
    const id = me.json<{ id: string }>().id;
    const admin = await createAdmin(r);
    const read = await r.app.inject({
      method: 'GET',
      url: `/v1/admin/accounts/${id}/consents`,
      headers: bearer(admin.token),
    });
    expect(read.json<{ history: unknown[] }>().history).toHaveLength(2);
    const forbidden = await r.app.inject({
      method: 'GET',
      url: `/v1/admin/accounts/${id}/consents`,
      headers: bearer(user.token),
    });
    expect(forbidden.statusCode).toBe(403);
    expect(await auditActions(r, 'consent.changed')).toHaveLength(2);
  });
});
