/**
 * Attacks on an administrator's lock of a suspended account: waiting for a restart (or a
 * lost hot store) to lift it; carrying on with an API key or a refresh token issued before
 * the lock; resetting the password through the mailbox to unsuspend it. The lock is the
 * account's durable `disabled` status, so each must fail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createAdmin,
  createUser,
  expectProblem,
  loginSession,
  type TestUser,
} from '../../../test/support/http-helpers.js';
import { type SmtpSink, startSmtpSink } from '../../../test/support/smtp-sink.js';
import type { TestDatabase } from '../../../test/support/test-databases.js';
import {
  startTestRampart,
  strongPassword,
  type TestRampart,
} from '../../../test/support/test-rampart.js';
import type { SecurityEvent } from '../../events/security-event.js';
import { SqlPersonalDataStore } from '../../storage/sql/sql-personal-data-store.js';

const login = (r: TestRampart, email: string, password: string) =>
  r.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });

const adminCall = (r: TestRampart, token: string, url: string, payload?: object) =>
  r.app.inject({ method: 'POST', url, headers: bearer(token), ...(payload ? { payload } : {}) });

describe("an administrator's lock", () => {
  let r: TestRampart;
  let admin: TestUser;
  let sink: SmtpSink;
  const events: SecurityEvent[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink();
    r = await startTestRampart({
      overrides: {
        mail: { transport: 'smtp', smtpUrl: sink.url, from: 'Rampart <security@example.com>' },
        passwordReset: { url: 'https://app.example.com/reset#token={token}' },
      },
    });
    r.events.subscribe('test', (e) => {
      events.push(e);
    });
    admin = await createAdmin(r, 'lock-admin@example.com');
  });
  afterAll(async () => {
    await r?.close();
    await sink?.close();
  });

  it('disables the account with who, why and until when, and ends every session', async () => {
    const user = await createUser(r, 'suspect@example.com');
    const session = await loginSession(r, user.email, user.password);
    const res = await adminCall(r, admin.token, `/v1/admin/accounts/${user.id}/lock`, {
      reason: 'ticket SEC-42',
      duration_seconds: 3600,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ sessions_revoked: 1 });
    const detail = await r.app.inject({
      method: 'GET',
      url: `/v1/admin/accounts/${user.id}`,
      headers: bearer(admin.token),
    });
    const adminId = (await r.stores.accounts.findAccountByEmail(admin.email))?.id;
    expect(detail.json()).toMatchObject({
      status: 'disabled',
      locked: true,
      active_sessions: 0,
      admin_lock: { locked_by: adminId, reason: 'ticket SEC-42' },
    });
    expect((await r.stores.accounts.findAccountById(user.id))?.status).toBe('disabled');
    const me = await r.app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: bearer(session.access_token),
    });
    expect(me.statusCode).toBe(401);
    expect(
      events.some(
        (e) =>
          e.type === 'auth.account.locked' &&
          e.target?.id === user.id &&
          e.details.reason === 'ticket SEC-42',
      ),
    ).toBe(true);
  });

  it('refuses an API key and a refresh token issued before the lock, and takes them back after unlock', async () => {
    const user = await createUser(r, 'keyholder@example.com', ['DEVELOPER']);
    const session = await loginSession(r, user.email, user.password);
    const created = await r.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(session.access_token),
      payload: { name: 'ci', scopes: ['audit:read'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const key = created.json<{ key: string }>().key;
    const whoami = () =>
      r.app.inject({ method: 'GET', url: '/v1/auth/whoami', headers: { 'x-api-key': key } });
    expect((await whoami()).statusCode).toBe(200);

    await adminCall(r, admin.token, `/v1/admin/accounts/${user.id}/lock`, {});
    expectProblem(await whoami(), 401, 'invalid_api_key');
    const refresh = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refresh_token: session.refresh_token },
    });
    expect(refresh.statusCode).toBe(401);
    expectProblem(await login(r, user.email, user.password), 401, 'invalid_credentials');

    const unlock = await adminCall(r, admin.token, `/v1/admin/accounts/${user.id}/unlock`);
    expect(unlock.statusCode).toBe(204);
    expect((await whoami()).statusCode).toBe(200);
    expect((await login(r, user.email, user.password)).statusCode).toBe(200);
    expect((await r.stores.accounts.findAccountById(user.id))?.adminLock).toBeUndefined();
  });

  // Whoever reads the mailbox of a suspended account must not unsuspend it with a link
  // asked for before (or after) the lock.
  it('is not lifted by a password reset', async () => {
    const user = await createUser(r, 'mailbox@example.com');
    const asked = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/password/reset-request',
      payload: { email: user.email },
    });
    expect(asked.statusCode).toBe(202);
    const mail = await sink.nextFor(user.email);
    const token = decodeURIComponent(/#token=([A-Za-z0-9_%-]+)/.exec(mail.text)?.[1] ?? '');
    await adminCall(r, admin.token, `/v1/admin/accounts/${user.id}/lock`, {});
    const newPassword = strongPassword();
    const reset = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/password/reset',
      payload: { token, new_password: newPassword },
    });
    expectProblem(reset, 400, 'password_reset_token_invalid');
    expectProblem(await login(r, user.email, newPassword), 401, 'invalid_credentials');
    expectProblem(await login(r, user.email, user.password), 401, 'invalid_credentials');
    expect((await r.stores.accounts.findAccountById(user.id))?.status).toBe('disabled');
  });

  it('ends on its own at its time', async () => {
    const user = await createUser(r, 'timed@example.com');
    const now = Date.now();
    await r.stores.accounts.setAdminLock(
      user.id,
      { by: 'an-admin', reason: null, at: now - 120_000, until: now - 1 },
      now,
    );
    expect((await r.stores.accounts.findAccountById(user.id))?.status).toBe('active');
    expect((await login(r, user.email, user.password)).statusCode).toBe(200);
  });

  it('cannot be put on an erased account (so no unlock can bring it back)', async () => {
    const user = await createUser(r, 'erased@example.com');
    await new SqlPersonalDataStore(r.database.db).eraseAccount({
      accountId: user.id,
      anonymisedEmail: `${user.id}@erased.invalid`,
      now: Date.now(),
    });
    expect(
      await r.stores.accounts.setAdminLock(
        user.id,
        { by: 'x', reason: null, at: 1, until: Date.now() + 60_000 },
        Date.now(),
      ),
    ).toBe(false);
    expect(await r.stores.accounts.clearAdminLock(user.id, Date.now())).toBe(false);
    expect((await r.stores.accounts.findAccountById(user.id))?.status).toBe('disabled');
  });
});

describe("an administrator's lock across a restart", () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-lock-'));
  const database: TestDatabase = {
    name: 'sqlite',
    url: `sqlite:${join(dir, 'rampart.db')}`,
    drop: async () => {},
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds after the server restarts with an empty hot store, until unlocked', async () => {
    const first = await startTestRampart({
      join: { database, redisKeyPrefix: `lock-a-${dir.slice(-6)}:` },
    });
    const admin = await createAdmin(first, 'restart-admin@example.com');
    const user = await createUser(first, 'restart-user@example.com');
    const locked = await adminCall(first, admin.token, `/v1/admin/accounts/${user.id}/lock`, {});
    expect(locked.statusCode, locked.body).toBe(200);
    await first.close();

    const second = await startTestRampart({
      join: { database, redisKeyPrefix: `lock-b-${dir.slice(-6)}:` },
    });
    try {
      expectProblem(await login(second, user.email, user.password), 401, 'invalid_credentials');
      const adminToken = (await loginSession(second, admin.email, admin.password)).access_token;
      const detail = await second.app.inject({
        method: 'GET',
        url: `/v1/admin/accounts/${user.id}`,
        headers: bearer(adminToken),
      });
      expect(detail.json()).toMatchObject({ locked: true, status: 'disabled' });
      await adminCall(second, adminToken, `/v1/admin/accounts/${user.id}/unlock`);
      expect((await login(second, user.email, user.password)).statusCode).toBe(200);
    } finally {
      await second.close();
    }
  });
});
