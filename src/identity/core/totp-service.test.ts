import { randomBytes } from 'node:crypto';
import { Secret } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  openMigratedTestDatabase,
  testDatabaseKinds,
} from '../../../test/support/test-databases.js';
import { createSealer } from '../../dataprotect/core/sealer.js';
import { isRampartError } from '../../errors/rampart-error.js';
import type { DatabaseHandle } from '../../storage/database.js';
import { createSqlIdentityStores } from '../../storage/sql/index.js';
import type { IdentityStores } from '../store.js';
import { totpCodeAtStep, totpStep } from './totp-codes.js';
import { TotpService } from './totp-service.js';

const t0 = 1_700_000_015_000; // the middle of a 30-second step
const step0 = totpStep(t0);

async function rejection(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isRampartError(error) ? error.code : String(error);
  }
  return undefined;
}

for (const kind of testDatabaseKinds()) {
  describe(`TOTP second factor (${kind})`, () => {
    let handle: DatabaseHandle;
    let close: () => Promise<void>;
    let stores: IdentityStores;
    let clock: number;
    let service: TotpService;
    let accountId: string;

    beforeEach(async () => {
      ({ handle, close } = await openMigratedTestDatabase(kind));
      stores = createSqlIdentityStores(handle.db);
      clock = t0;
      service = new TotpService({
        store: stores.mfa,
        sealer: createSealer(randomBytes(32)),
        issuer: 'Rampart',
        now: () => clock,
      });
      accountId = `acct-${randomBytes(4).toString('hex')}`;
      await stores.accounts.createAccount({
        id: accountId,
        email: `${accountId}@example.com`,
        name: null,
        passwordHash: 'not-a-real-hash',
        roles: [],
        now: t0,
      });
    });

    afterEach(async () => {
      await close?.();
    });

    /** Enrols and activates with the code of `step`; returns the secret and recovery codes. */
    async function enrol(step = step0 - 1): Promise<{ secret: Uint8Array; codes: string[] }> {
      const { secret: base32 } = await service.startEnrolment(accountId, 'ada@example.com');
      const secret = Secret.fromBase32(base32).bytes;
      const codes = await service.activate(accountId, totpCodeAtStep(secret, step));
      return { secret, codes };
    }

    it('stores the secret sealed, never in clear', async () => {
      const { secret } = await enrol();
      const row = await handle.db
        .selectFrom('mfa_totp')
        .selectAll()
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow();
      const plain = Buffer.from(secret);
      expect(row.secret_sealed).toMatch(/^v1\./);
      for (const form of [
        plain.toString('hex'),
        plain.toString('base64'),
        Secret.fromHex(plain.toString('hex')).base32,
      ]) {
        expect(row.secret_sealed.toLowerCase()).not.toContain(form.toLowerCase());
      }
      expect(Buffer.from(row.secret_sealed, 'utf8').includes(plain)).toBe(false);
    });

    it('is off until a first code activates it', async () => {
      const { secret: base32 } = await service.startEnrolment(accountId, 'ada@example.com');
      expect(await service.isEnrolled(accountId)).toBe(false);
      expect(await service.verify(accountId, { code: '123456' })).toEqual({
        ok: false,
        reason: 'not_enrolled',
      });
      const secret = Secret.fromBase32(base32).bytes;
      const wrong = totpCodeAtStep(secret, step0 + 5);
      expect(await rejection(service.activate(accountId, wrong))).toBe('invalid_mfa_code');
      const codes = await service.activate(accountId, totpCodeAtStep(secret, step0));
      expect(codes).toHaveLength(10);
      expect(await service.isEnrolled(accountId)).toBe(true);
      expect(await service.status(accountId)).toEqual({
        enabled: true,
        enabledAt: t0,
        recoveryCodesRemaining: 10,
      });
    });

    it('refuses activation without setup, and a second setup once enabled', async () => {
      expect(await rejection(service.activate(accountId, '123456'))).toBe('mfa_setup_required');
      await enrol();
      expect(await rejection(service.startEnrolment(accountId, 'a@example.com'))).toBe(
        'mfa_already_enabled',
      );
      expect(await rejection(service.activate(accountId, '123456'))).toBe('mfa_already_enabled');
    });

    it('refuses the activation code when it is presented again to sign in', async () => {
      const { secret } = await enrol(step0);
      expect(await service.verify(accountId, { code: totpCodeAtStep(secret, step0) })).toEqual({
        ok: false,
        reason: 'replayed',
      });
    });

    it('accepts a code once: replayed within its window it is refused', async () => {
      const { secret } = await enrol();
      const code = totpCodeAtStep(secret, step0);
      expect(await service.verify(accountId, { code })).toEqual({ ok: true, amr: ['otp', 'mfa'] });
      expect(await service.verify(accountId, { code })).toEqual({ ok: false, reason: 'replayed' });
      clock += 29_000; // still inside the ±1 window of its step
      expect(await service.verify(accountId, { code })).toEqual({ ok: false, reason: 'replayed' });
    });

    it('refuses an older step after a newer one was used', async () => {
      const { secret } = await enrol(step0 - 1);
      expect(await service.verify(accountId, { code: totpCodeAtStep(secret, step0 + 1) })).toEqual({
        ok: true,
        amr: ['otp', 'mfa'],
      });
      expect(await service.verify(accountId, { code: totpCodeAtStep(secret, step0) })).toEqual({
        ok: false,
        reason: 'replayed',
      });
    });

    it('accepts codes one step either side of now and refuses two steps away', async () => {
      clock = t0 - 300_000; // enrol ten steps ago, so no step near now is used yet
      const { secret } = await enrol(step0 - 10);
      clock = t0;
      for (const offset of [-2, 2]) {
        const code = totpCodeAtStep(secret, step0 + offset);
        const collides = [-1, 0, 1].some((o) => totpCodeAtStep(secret, step0 + o) === code);
        if (!collides)
          expect(await service.verify(accountId, { code })).toEqual({
            ok: false,
            reason: 'wrong_code',
          });
      }
      // Each accepted code moves the last used step forward, so walk the clock with it.
      expect(
        (await service.verify(accountId, { code: totpCodeAtStep(secret, step0 - 1) })).ok,
      ).toBe(true);
      clock = t0 + 60_000; // now step0 + 2: step0 + 1 is one step behind
      expect(
        (await service.verify(accountId, { code: totpCodeAtStep(secret, step0 + 1) })).ok,
      ).toBe(true);
      expect(
        (await service.verify(accountId, { code: totpCodeAtStep(secret, step0 + 3) })).ok,
      ).toBe(true);
    });

    it('lets exactly one of two concurrent uses of a code through', async () => {
      const { secret } = await enrol();
      const code = totpCodeAtStep(secret, step0);
      const results = await Promise.all([
        service.verify(accountId, { code }),
        service.verify(accountId, { code }),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
    });

    it('accepts each recovery code once, in any case and with or without dashes', async () => {
      const { codes } = await enrol();
      expect(new Set(codes).size).toBe(10);
      for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
      const [first = '', second = ''] = codes;
      expect(await service.verify(accountId, { recoveryCode: first })).toEqual({
        ok: true,
        amr: ['recovery', 'mfa'],
      });
      expect(await service.verify(accountId, { recoveryCode: first })).toEqual({
        ok: false,
        reason: 'recovery_code_invalid',
      });
      const typed = second.toUpperCase().replace(/-/g, ' ');
      expect((await service.verify(accountId, { recoveryCode: typed })).ok).toBe(true);
      expect((await service.verify(accountId, { recoveryCode: second })).ok).toBe(false);
      expect((await service.status(accountId)).recoveryCodesRemaining).toBe(8);
    });

    it('lets exactly one of two concurrent uses of a recovery code through', async () => {
      const { codes } = await enrol();
      const code = codes[3] ?? '';
      const results = await Promise.all(
        Array.from({ length: 5 }, () => service.verify(accountId, { recoveryCode: code })),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect((await service.status(accountId)).recoveryCodesRemaining).toBe(9);
    });

    it('stores recovery codes only as hashes', async () => {
      const { codes } = await enrol();
      const rows = await handle.db
        .selectFrom('mfa_recovery_codes')
        .select('code_hash')
        .where('account_id', '=', accountId)
        .execute();
      expect(rows).toHaveLength(10);
      const stored = rows.map((r) => r.code_hash).join(' ');
      for (const code of codes) {
        expect(stored).not.toContain(code);
        expect(stored).not.toContain(code.replace(/-/g, ''));
      }
    });

    it('replaces recovery codes: the old ones stop working', async () => {
      const { codes: old } = await enrol();
      const fresh = await service.regenerateRecoveryCodes(accountId);
      expect(fresh).toHaveLength(10);
      expect((await service.verify(accountId, { recoveryCode: old[0] ?? '' })).ok).toBe(false);
      expect((await service.verify(accountId, { recoveryCode: fresh[0] ?? '' })).ok).toBe(true);
    });

    it('removes the factor and its recovery codes', async () => {
      const { codes } = await enrol();
      expect(await service.remove(accountId)).toBe(true);
      expect(await service.isEnrolled(accountId)).toBe(false);
      expect(await service.verify(accountId, { recoveryCode: codes[0] ?? '' })).toEqual({
        ok: false,
        reason: 'not_enrolled',
      });
      expect(await service.status(accountId)).toEqual({
        enabled: false,
        enabledAt: null,
        recoveryCodesRemaining: 0,
      });
      expect(await service.remove(accountId)).toBe(false);
    });

    it('cannot open a sealed secret moved to another account', async () => {
      await enrol();
      const other = `acct-${randomBytes(4).toString('hex')}`;
      await stores.accounts.createAccount({
        id: other,
        email: `${other}@example.com`,
        name: null,
        passwordHash: 'not-a-real-hash',
        roles: [],
        now: t0,
      });
      const row = await handle.db
        .selectFrom('mfa_totp')
        .selectAll()
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow();
      await handle.db
        .insertInto('mfa_totp')
        .values({ ...row, account_id: other })
        .execute();
      await expect(service.verify(other, { code: '123456' })).rejects.toMatchObject({
        code: 'seal_tampered',
      });
    });
  });
}
