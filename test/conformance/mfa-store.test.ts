import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MfaStore } from '../../src/identity/mfa-store.js';
import type { IdentityStores } from '../../src/identity/store.js';
import type { DatabaseHandle } from '../../src/storage/database.js';
import { createSqlIdentityStores } from '../../src/storage/sql/index.js';
import { openMigratedTestDatabase, testDatabaseKinds } from '../support/test-databases.js';

/**
 * The MfaStore port's contract, on every durable adapter: a pending secret until it is
 * enabled, each TOTP step used at most once and only going forward, recovery codes spent
 * once even when spent concurrently.
 */
const t0 = 1_700_000_000_000;

for (const kind of testDatabaseKinds()) {
  describe(`MFA store conformance: ${kind}`, () => {
    let handle: DatabaseHandle;
    let close: () => Promise<void>;
    let stores: IdentityStores;
    let mfa: MfaStore;

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

    beforeEach(async () => {
      ({ handle, close } = await openMigratedTestDatabase(kind));
      stores = createSqlIdentityStores(handle.db);
      mfa = stores.mfa;
    });
    afterEach(async () => {
      await close?.();
    });

    it('keeps a pending secret until it is enabled, and replaces a pending one', async () => {
      const id = await account();
      expect(await mfa.getTotp(id)).toBeUndefined();
      expect(await mfa.savePendingTotp(id, 'sealed-1', t0)).toBe(true);
      expect(await mfa.savePendingTotp(id, 'sealed-2', t0 + 1)).toBe(true);
      expect(await mfa.getTotp(id)).toEqual({
        accountId: id,
        secretSealed: 'sealed-2',
        createdAt: t0 + 1,
        enabledAt: null,
        lastUsedStep: null,
      });
    });

    it('survives concurrent enrolment starts (a double-clicked setup): one secret wins', async () => {
      const id = await account();
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => mfa.savePendingTotp(id, `sealed-${i}`, t0 + i)),
      );
      expect(results).toEqual([true, true, true, true, true]);
      expect((await mfa.getTotp(id))?.secretSealed).toMatch(/^sealed-[0-4]$/);
    });

    it('enables once, recording the step and the recovery codes', async () => {
      const id = await account();
      expect(await mfa.enableTotp(id, 5, ['h1'], t0)).toBe(false); // nothing pending
      await mfa.savePendingTotp(id, 'sealed', t0);
      const results = await Promise.all([
        mfa.enableTotp(id, 7, ['a1', 'a2'], t0 + 5),
        mfa.enableTotp(id, 7, ['b1', 'b2'], t0 + 5),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await mfa.getTotp(id)).toMatchObject({ enabledAt: t0 + 5, lastUsedStep: 7 });
      expect(await mfa.countUnusedRecoveryCodes(id)).toBe(2);
      expect(await mfa.savePendingTotp(id, 'other', t0 + 6)).toBe(false);
      expect((await mfa.getTotp(id))?.secretSealed).toBe('sealed');
    });

    it('accepts only steps after the last used one, once each', async () => {
      const id = await account();
      expect(await mfa.useTotpStep(id, 1)).toBe(false); // not enrolled
      await mfa.savePendingTotp(id, 'sealed', t0);
      expect(await mfa.useTotpStep(id, 1)).toBe(false); // pending only
      await mfa.enableTotp(id, 10, [], t0);
      expect(await mfa.useTotpStep(id, 10)).toBe(false);
      expect(await mfa.useTotpStep(id, 9)).toBe(false);
      expect(await mfa.useTotpStep(id, 12)).toBe(true);
      expect(await mfa.useTotpStep(id, 11)).toBe(false);
      const concurrent = await Promise.all(
        Array.from({ length: 5 }, () => mfa.useTotpStep(id, 13)),
      );
      expect(concurrent.filter(Boolean)).toHaveLength(1);
      expect((await mfa.getTotp(id))?.lastUsedStep).toBe(13);
    });

    it('spends a recovery code once, even concurrently, and only for its account', async () => {
      const id = await account();
      const other = await account();
      await mfa.savePendingTotp(id, 'sealed', t0);
      await mfa.enableTotp(id, 1, ['h1', 'h2'], t0);
      expect(await mfa.useRecoveryCode(other, 'h1', t0)).toBe(false);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => mfa.useRecoveryCode(id, 'h1', t0 + 1)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await mfa.useRecoveryCode(id, 'unknown', t0)).toBe(false);
      expect(await mfa.countUnusedRecoveryCodes(id)).toBe(1);
    });

    it('replaces recovery codes: the old ones stop working', async () => {
      const id = await account();
      await mfa.savePendingTotp(id, 'sealed', t0);
      await mfa.enableTotp(id, 1, ['old1', 'old2'], t0);
      await mfa.replaceRecoveryCodes(id, ['new1', 'new2', 'new3'], t0 + 1);
      expect(await mfa.countUnusedRecoveryCodes(id)).toBe(3);
      expect(await mfa.useRecoveryCode(id, 'old1', t0 + 2)).toBe(false);
      expect(await mfa.useRecoveryCode(id, 'new1', t0 + 2)).toBe(true);
    });

    it('deletes the secret and every recovery code', async () => {
      const id = await account();
      await mfa.savePendingTotp(id, 'sealed', t0);
      await mfa.enableTotp(id, 1, ['h1'], t0);
      await mfa.deleteTotp(id);
      expect(await mfa.getTotp(id)).toBeUndefined();
      expect(await mfa.countUnusedRecoveryCodes(id)).toBe(0);
      expect(await mfa.useRecoveryCode(id, 'h1', t0)).toBe(false);
      expect(await mfa.savePendingTotp(id, 'fresh', t0 + 1)).toBe(true);
    });
  });
}
