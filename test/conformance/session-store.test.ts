import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  RefreshTokenRecord,
  SessionRecord,
  SessionStore,
} from '../../src/identity/session-store.js';
import type { IdentityStores } from '../../src/identity/store.js';
import type { DatabaseHandle } from '../../src/storage/database.js';
import { createSqlIdentityStores } from '../../src/storage/sql/index.js';
import { openMigratedTestDatabase, testDatabaseKinds } from '../support/test-databases.js';

/**
 * The SessionStore port's contract, on every durable adapter: a refresh token is spent
 * once, even by concurrent rotations (the referee of refresh-token reuse detection); a
 * revocation happens once and touches only the sessions it names.
 */
const t0 = 1_700_000_000_000;
const hour = 3_600_000;

const randomId = () => randomBytes(9).toString('base64url');

function tokenFor(session: SessionRecord, createdAt = t0): RefreshTokenRecord {
  return {
    id: randomId(),
    tokenHash: randomBytes(32).toString('base64url'),
    sessionId: session.id,
    accountId: session.accountId,
    createdAt,
    expiresAt: session.expiresAt,
    usedAt: null,
    replacedBy: null,
  };
}

for (const kind of testDatabaseKinds()) {
  describe(`session store conformance: ${kind}`, () => {
    let handle: DatabaseHandle;
    let close: () => Promise<void>;
    let stores: IdentityStores;
    let sessions: SessionStore;

    async function account(): Promise<string> {
      const id = `acct-${randomBytes(4).toString('hex')}`;
      await stores.accounts.createAccount({
        id,
        email: `${id}@example.com`,
        name: null,
        passwordHash: 'not-a-real-hash',
        roles: [],
        now: t0,
      });
      return id;
    }

    async function session(
      accountId: string,
      createdAt = t0,
    ): Promise<{ session: SessionRecord; first: RefreshTokenRecord }> {
      const s: SessionRecord = {
        id: randomId(),
        accountId,
        createdAt,
        lastSeenAt: createdAt,
        expiresAt: createdAt + 24 * hour,
        ip: '192.0.2.1',
        userAgent: 'test',
        browser: null,
        os: null,
        device: null,
        amr: ['pwd'],
        authTime: Math.floor(createdAt / 1000),
        revokedAt: null,
        revokedReason: null,
      };
      const first = tokenFor(s, createdAt);
      await sessions.createSession(s, first);
      return { session: s, first };
    }

    beforeEach(async () => {
      ({ handle, close } = await openMigratedTestDatabase(kind));
      stores = createSqlIdentityStores(handle.db);
      sessions = stores.sessions;
    });
    afterEach(async () => {
      await close?.();
    });

    it('creates a session with its first token, found by the token hash and by id', async () => {
      const { session: s, first } = await session(await account());
      expect(await sessions.findSession(s.id)).toEqual(s);
      expect(await sessions.findRefreshToken(first.tokenHash)).toEqual(first);
      expect(await sessions.findRefreshTokenById(first.id)).toEqual(first);
      expect(await sessions.findRefreshToken('no-such-hash')).toBeUndefined();
    });

    it('spends a token once: the rotation links its successor and records the activity', async () => {
      const { session: s, first } = await session(await account());
      const next = tokenFor(s, t0 + 1000);
      expect(
        await sessions.rotateRefreshToken(first.id, next, { now: t0 + 1000, ip: '192.0.2.9' }),
      ).toBe(true);
      expect(await sessions.findRefreshTokenById(first.id)).toMatchObject({
        usedAt: t0 + 1000,
        replacedBy: next.id,
      });
      expect(await sessions.findRefreshToken(next.tokenHash)).toEqual(next);
      expect(await sessions.findSession(s.id)).toMatchObject({
        lastSeenAt: t0 + 1000,
        ip: '192.0.2.9',
      });

      // The spent token cannot be rotated again, and the refused rotation stores nothing.
      const again = tokenFor(s, t0 + 2000);
      expect(
        await sessions.rotateRefreshToken(first.id, again, { now: t0 + 2000, ip: '192.0.2.66' }),
      ).toBe(false);
      expect(await sessions.findRefreshToken(again.tokenHash)).toBeUndefined();
      expect((await sessions.findRefreshTokenById(first.id))?.replacedBy).toBe(next.id);
      expect((await sessions.findSession(s.id))?.ip).toBe('192.0.2.9');
    });

    it('of ten concurrent rotations of one token, exactly one succeeds', async () => {
      const { session: s, first } = await session(await account());
      const successors = Array.from({ length: 10 }, () => tokenFor(s, t0 + 1000));
      const results = await Promise.all(
        successors.map((next) =>
          sessions.rotateRefreshToken(first.id, next, { now: t0 + 1000, ip: null }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await Promise.all(
        successors.map((next) => sessions.findRefreshToken(next.tokenHash)),
      );
      expect(stored.filter((t) => t !== undefined)).toHaveLength(1);
    });

    it('revokes a session once, with its reason', async () => {
      const { session: s } = await session(await account());
      expect(await sessions.revokeSession(s.id, t0 + 5, 'logout')).toBe(true);
      expect(await sessions.revokeSession(s.id, t0 + 6, 'revoked_by_admin')).toBe(false);
      expect(await sessions.findSession(s.id)).toMatchObject({
        revokedAt: t0 + 5,
        revokedReason: 'logout',
      });
      expect(await sessions.revokeSession('no-such-session', t0, 'logout')).toBe(false);
    });

    it("revokes every live session of one account but the one kept, and no one else's", async () => {
      const mine = await account();
      const theirs = await account();
      const kept = await session(mine, t0);
      const a = await session(mine, t0 + 1);
      const b = await session(mine, t0 + 2);
      const stranger = await session(theirs, t0 + 3);
      const ended = await sessions.revokeAccountSessions(
        mine,
        t0 + 10,
        'password_changed',
        kept.session.id,
      );
      expect(ended).toEqual([a.session.id, b.session.id].sort());
      expect((await sessions.findSession(kept.session.id))?.revokedAt).toBeNull();
      expect((await sessions.findSession(stranger.session.id))?.revokedAt).toBeNull();
      expect(await sessions.revokeAccountSessions(mine, t0 + 11, 'logout_all')).toEqual([
        kept.session.id,
      ]);
      expect(await sessions.revokeAccountSessions(mine, t0 + 12, 'logout_all')).toEqual([]);
    });

    it('lists live sessions newest first, revoked and expired ones only when asked', async () => {
      const id = await account();
      const old = await session(id, t0);
      const revoked = await session(id, t0 + 1);
      const live = await session(id, t0 + 2);
      await sessions.revokeSession(revoked.session.id, t0 + 3, 'logout');
      const now = old.session.expiresAt; // the oldest has just reached its absolute end
      expect(
        (await sessions.listSessions(id, { now, includeInactive: false })).map((s) => s.id),
      ).toEqual([live.session.id]);
      expect(
        (await sessions.listSessions(id, { now, includeInactive: true })).map((s) => s.id),
      ).toEqual([live.session.id, revoked.session.id, old.session.id]);
    });
  });
}
