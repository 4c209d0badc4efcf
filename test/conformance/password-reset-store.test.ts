import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdentityStores } from '../../src/identity/store.js';
import { uuidv7 } from '../../src/shared/uuid-v7.js';
import type { DatabaseHandle } from '../../src/storage/database.js';
import { createSqlIdentityStores } from '../../src/storage/sql/index.js';
import { openMigratedTestDatabase, testDatabaseKinds } from '../support/test-databases.js';

const now = 1_800_000_000_000;
const ttl = 900_000;

for (const kind of testDatabaseKinds()) {
  describe(`password reset store conformance: ${kind}`, () => {
    let close: (() => Promise<void>) | undefined;
    let handle: DatabaseHandle;
    let stores: IdentityStores;
    let accountId: string;

    beforeEach(async () => {
      ({ handle, close } = await openMigratedTestDatabase(kind));
      stores = createSqlIdentityStores(handle.db);
      accountId = uuidv7();
      const created = await stores.accounts.createAccount({
        id: accountId,
        email: `reset-${accountId}@example.com`,
        name: null,
        passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
        roles: [],
        now,
      });
      expect(created.status).toBe('created');
    });
    afterEach(async () => {
      await close?.();
    });

    const token = (hash: string, createdAt = now) => ({
      id: uuidv7(createdAt),
      tokenHash: hash,
      accountId,
      createdAt,
      expiresAt: createdAt + ttl,
    });

    it('finds a valid token without spending it, then spends it once', async () => {
      await stores.passwordResets.createResetToken(token('h1'));
      expect(await stores.passwordResets.findValidResetToken('h1', now + 1)).toBe(accountId);
      expect(await stores.passwordResets.findValidResetToken('h1', now + 2)).toBe(accountId);
      expect(await stores.passwordResets.consumeResetToken('h1', now + 3)).toBe(accountId);
      expect(await stores.passwordResets.consumeResetToken('h1', now + 4)).toBeUndefined();
      expect(await stores.passwordResets.findValidResetToken('h1', now + 5)).toBeUndefined();
    });

    it('refuses an unknown or expired token', async () => {
      await stores.passwordResets.createResetToken(token('h2'));
      expect(await stores.passwordResets.findValidResetToken('nope', now)).toBeUndefined();
      expect(await stores.passwordResets.consumeResetToken('nope', now)).toBeUndefined();
      expect(await stores.passwordResets.findValidResetToken('h2', now + ttl)).toBeUndefined();
      expect(await stores.passwordResets.consumeResetToken('h2', now + ttl)).toBeUndefined();
    });

    it('kills the unused tokens of the account when a new one is stored', async () => {
      await stores.passwordResets.createResetToken(token('old'));
      await stores.passwordResets.createResetToken(token('new', now + 10));
      expect(await stores.passwordResets.findValidResetToken('old', now + 11)).toBeUndefined();
      expect(await stores.passwordResets.consumeResetToken('old', now + 11)).toBeUndefined();
      expect(await stores.passwordResets.consumeResetToken('new', now + 12)).toBe(accountId);
    });

    it('of 8 links for one account stored at once, exactly one stays valid', async () => {
      const hashes = Array.from({ length: 8 }, (_, i) => `at-once-${i}`);
      await Promise.all(hashes.map((h) => stores.passwordResets.createResetToken(token(h))));
      const valid = await Promise.all(
        hashes.map((h) => stores.passwordResets.findValidResetToken(h, now + 1)),
      );
      expect(valid.filter((v) => v === accountId)).toHaveLength(1);
    });

    it('lets exactly one of many concurrent consumers spend a token', async () => {
      await stores.passwordResets.createResetToken(token('race'));
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          stores.passwordResets.consumeResetToken('race', now + 1 + i),
        ),
      );
      expect(results.filter((r) => r === accountId)).toHaveLength(1);
    });
  });
}
