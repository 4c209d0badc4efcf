/**
 * Attack: a refresh token is stolen (an XSS, a leaked log, a compromised device) and both
 * the thief and the victim keep using it. Rotation spends every token on use, so whoever
 * presents a spent token reveals that two parties hold the family: the session, every
 * refresh token and every access token issued from it must die at once — and a race of
 * two refreshes with one token must never yield two live token pairs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createUser,
  expectProblem,
  loginSession,
  type TokenPairJson,
} from '../../../test/support/http-helpers.js';
import { testDatabaseKinds } from '../../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import type { SecurityEvent } from '../../events/security-event.js';

function refresh(
  r: TestRampart,
  token: string,
  headers: Record<string, string> = {},
  remoteAddress?: string,
) {
  return r.app.inject({
    method: 'POST',
    url: '/v1/auth/refresh',
    payload: { refresh_token: token },
    headers,
    ...(remoteAddress ? { remoteAddress } : {}),
  });
}

function me(r: TestRampart, accessToken: string) {
  return r.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(accessToken) });
}

describe('refresh token rotation', () => {
  let r: TestRampart;
  const events: SecurityEvent[] = [];
  let user: { email: string; password: string };
  beforeAll(async () => {
    r = await startTestRampart();
    r.events.subscribe('test', (e) => {
      events.push(e);
    });
    user = await createUser(r, 'rotation@example.com');
  });
  afterAll(async () => r?.close());

  it('issues a new pair on refresh and keeps the session', async () => {
    const first = await loginSession(r, user.email, user.password);
    const res = await refresh(r, first.refresh_token);
    expect(res.statusCode, res.body).toBe(200);
    const second = res.json<TokenPairJson>();
    expect(second.session_id).toBe(first.session_id);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect((await me(r, second.access_token)).statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('kills the whole family when a spent token is presented again', async () => {
    const first = await loginSession(r, user.email, user.password);
    const second = (await refresh(r, first.refresh_token)).json<TokenPairJson>();
    const third = (await refresh(r, second.refresh_token)).json<TokenPairJson>();
    expect((await me(r, third.access_token)).statusCode).toBe(200);

    // The thief replays the first token.
    expectProblem(await refresh(r, first.refresh_token), 401, 'invalid_refresh_token');

    // Every token of the family is dead at once: the live refresh token…
    expectProblem(await refresh(r, third.refresh_token), 401, 'invalid_refresh_token');
    // …and every access token issued from the session, even unexpired ones.
    for (const pair of [first, second, third])
      expectProblem(await me(r, pair.access_token), 401, 'invalid_token');
    const reused = events.filter((e) => e.type === 'auth.refresh.reused');
    expect(reused).toHaveLength(1);
    expect(reused[0]).toMatchObject({
      severity: 'critical',
      target: { type: 'session', id: first.session_id },
    });
  });

  it('stores refresh tokens only as their hashes', async () => {
    const first = await loginSession(r, user.email, user.password);
    const second = (await refresh(r, first.refresh_token)).json<TokenPairJson>();
    const rows = await r.database.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('session_id', '=', first.session_id)
      .execute();
    expect(rows).toHaveLength(2);
    const stored = JSON.stringify(rows);
    for (const token of [first.refresh_token, second.refresh_token]) {
      expect(stored).not.toContain(token);
      expect(stored).not.toContain(token.slice('rmr_'.length));
    }
  });

  it('refuses an unknown refresh token without touching any session', async () => {
    expectProblem(
      await refresh(r, 'rmr_this-is-not-a-token-at-all-000000000000000'),
      401,
      'invalid_refresh_token',
    );
  });

  it('never reuses a session id: each login starts a new session', async () => {
    const a = await loginSession(r, user.email, user.password);
    const b = await loginSession(r, user.email, user.password);
    expect(a.session_id).not.toBe(b.session_id);
    expect(a.session_id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('ends a session at its absolute lifetime and after its idle timeout', async () => {
    const absolute = await loginSession(r, user.email, user.password);
    await r.database.db
      .updateTable('sessions')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', absolute.session_id)
      .execute();
    expectProblem(await refresh(r, absolute.refresh_token), 401, 'invalid_refresh_token');

    const idle = await loginSession(r, user.email, user.password);
    const idleMs = r.config.session.idleTimeout * 1000;
    await r.database.db
      .updateTable('sessions')
      .set({ last_seen_at: Date.now() - idleMs - 1000 })
      .where('id', '=', idle.session_id)
      .execute();
    expectProblem(await refresh(r, idle.refresh_token), 401, 'invalid_refresh_token');
    const reasons = events
      .filter((e) => e.type === 'auth.refresh.failed')
      .map((e) => e.details.reason);
    expect(reasons).toEqual(expect.arrayContaining(['session_expired', 'session_idle']));
  });

  it('refuses a refresh once the account is disabled, and ends the session, even before its sessions were revoked', async () => {
    const owner = await createUser(r, 'disabled-midway@example.com');
    const pair = await loginSession(r, owner.email, owner.password);
    // The window of an administrator's lock (or an erasure) on another node: the account
    // is disabled in the database, its sessions not revoked yet.
    const now = Date.now();
    await r.stores.accounts.setAdminLock(
      owner.id,
      { by: 'system:test', reason: null, at: now, until: now + 3_600_000 },
      now,
    );
    await r.identity.accountCache.changed(owner.id);
    expectProblem(await refresh(r, pair.refresh_token), 401, 'invalid_refresh_token');
    const failed = events.filter(
      (e) => e.type === 'auth.refresh.failed' && e.target?.id === pair.session_id,
    );
    expect(failed.map((e) => e.details.reason)).toContain('account_inactive');
    expectProblem(await me(r, pair.access_token), 401, 'invalid_token');
  });

  it('logout ends the session, its refresh token and the presented access token at once', async () => {
    const pair = await loginSession(r, user.email, user.password);
    const other = await loginSession(r, user.email, user.password);
    const out = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: bearer(pair.access_token),
    });
    expect(out.statusCode).toBe(204);
    expectProblem(await me(r, pair.access_token), 401, 'invalid_token');
    expectProblem(await refresh(r, pair.refresh_token), 401, 'invalid_refresh_token');
    // Another session of the same account is untouched.
    expect((await me(r, other.access_token)).statusCode).toBe(200);
  });

  it('logout-all ends every session of the account and no other account', async () => {
    const stranger = await createUser(r, 'stranger@example.com');
    const theirs = await loginSession(r, stranger.email, stranger.password);
    const sessions = [
      await loginSession(r, user.email, user.password),
      await loginSession(r, user.email, user.password),
    ];
    const out = await r.app.inject({
      method: 'POST',
      url: '/v1/auth/logout-all',
      headers: bearer(sessions[0]?.access_token ?? ''),
    });
    expect(out.statusCode).toBe(204);
    for (const s of sessions) {
      expectProblem(await me(r, s.access_token), 401, 'invalid_token');
      expectProblem(await refresh(r, s.refresh_token), 401, 'invalid_refresh_token');
    }
    expect((await me(r, theirs.access_token)).statusCode).toBe(200);
  });
});

// On PostgreSQL the ten requests really overlap (a pool of connections), so every one of
// them can read the token as unspent: only the store's conditional rotation and the
// service's answer to losing it keep a second pair from being issued.
describe.each(testDatabaseKinds())('concurrent refreshes with one token: %s', (database) => {
  let r: TestRampart;
  let user: { email: string; password: string };
  beforeAll(async () => {
    r = await startTestRampart({ database });
    user = await createUser(r, 'race@example.com');
  });
  afterAll(async () => r?.close());

  it('lets at most one of ten concurrent refreshes with one token succeed, and ends the family', async () => {
    for (let round = 0; round < 3; round++) {
      const pair = await loginSession(r, user.email, user.password);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => refresh(r, pair.refresh_token)),
      );
      const ok = results.filter((res) => res.statusCode === 200);
      expect(ok.length).toBeLessThanOrEqual(1);
      for (const res of results.filter((x) => x.statusCode !== 200))
        expectProblem(res, 401, 'invalid_refresh_token');
      // The losers presented a token already spent: reuse, so the winner's pair dies too.
      for (const res of ok) {
        const won = res.json<TokenPairJson>();
        expectProblem(await me(r, won.access_token), 401, 'invalid_token');
        expectProblem(await refresh(r, won.refresh_token), 401, 'invalid_refresh_token');
      }
    }
  });
});

describe('refresh reuse grace', () => {
  let r: TestRampart;
  let user: { email: string; password: string };
  beforeAll(async () => {
    r = await startTestRampart({ overrides: { session: { refreshReuseGrace: 2 } } });
    user = await createUser(r, 'grace@example.com');
  });
  afterAll(async () => r?.close());

  it('forgives only the immediately previous token, within the grace period', async () => {
    const t0 = await loginSession(r, user.email, user.password);
    const t1 = (await refresh(r, t0.refresh_token)).json<TokenPairJson>();
    // The client lost the response and retries with t0: still honoured.
    const retry = await refresh(r, t0.refresh_token);
    expect(retry.statusCode, retry.body).toBe(200);
    const t2 = retry.json<TokenPairJson>();
    expect((await me(r, t2.access_token)).statusCode).toBe(200);
    // t1 was superseded by the retry, and t0 is now two generations back: reuse.
    const t3 = (await refresh(r, t2.refresh_token)).json<TokenPairJson>();
    expectProblem(await refresh(r, t0.refresh_token), 401, 'invalid_refresh_token');
    expectProblem(await me(r, t3.access_token), 401, 'invalid_token');
    expect(t1.session_id).toBe(t0.session_id);
  });

  it('treats the previous token as reuse once the grace period is over', async () => {
    const t0 = await loginSession(r, user.email, user.password);
    const t1 = (await refresh(r, t0.refresh_token)).json<TokenPairJson>();
    await new Promise((resolve) => setTimeout(resolve, 2200));
    expectProblem(await refresh(r, t0.refresh_token), 401, 'invalid_refresh_token');
    expectProblem(await refresh(r, t1.refresh_token), 401, 'invalid_refresh_token');
  });
});

describe('client fingerprint', () => {
  const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0';
  const curl = 'curl/8.5.0';

  it('reports a refresh from another user-agent family or network and, by default, allows it', async () => {
    const r = await startTestRampart();
    try {
      const events: SecurityEvent[] = [];
      r.events.subscribe('test', (e) => {
        events.push(e);
      });
      const user = await createUser(r, 'fingerprint@example.com');
      const pair = await loginSession(
        r,
        user.email,
        user.password,
        { 'user-agent': firefox },
        '203.0.113.10',
      );
      // Same family, same /24: no event.
      const same = await refresh(r, pair.refresh_token, { 'user-agent': firefox }, '203.0.113.99');
      expect(same.statusCode).toBe(200);
      expect(events.filter((e) => e.type === 'session.fingerprint.changed')).toHaveLength(0);
      const moved = await refresh(
        r,
        same.json<TokenPairJson>().refresh_token,
        { 'user-agent': curl },
        '198.51.100.7',
      );
      expect(moved.statusCode).toBe(200);
      const [changed] = events.filter((e) => e.type === 'session.fingerprint.changed');
      expect(changed?.details).toMatchObject({
        denied: false,
        network: { before: '203.0.113.0/24', after: '198.51.100.0/24' },
      });
    } finally {
      await r.close();
    }
  });

  it('refuses the refresh when configured to', async () => {
    const r = await startTestRampart({ overrides: { session: { denyOnFingerprintChange: true } } });
    try {
      const user = await createUser(r, 'strict@example.com');
      const pair = await loginSession(
        r,
        user.email,
        user.password,
        { 'user-agent': firefox },
        '203.0.113.10',
      );
      expectProblem(
        await refresh(r, pair.refresh_token, { 'user-agent': curl }, '203.0.113.10'),
        401,
        'invalid_refresh_token',
      );
    } finally {
      await r.close();
    }
  });
});
