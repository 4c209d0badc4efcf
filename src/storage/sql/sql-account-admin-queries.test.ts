import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openMigratedTestDatabase,
  testDatabaseKinds,
} from '../../../test/support/test-databases.js';
import type { RoleName } from '../../config/schema.js';
import type { AccountStore } from '../../identity/store.js';
import type { DatabaseHandle } from '../database.js';
import { createSqlIdentityStores } from './index.js';
import { SqlOAuthStore } from './sql-oauth-store.js';
import { SqlPersonalDataStore } from './sql-personal-data-store.js';

const id = (n: number) => `0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a${String(n).padStart(2, '0')}`;

const people: [string, RoleName[], string | null][] = [
  ['alice@corp.example', ['ADMIN'], 'hash'],
  ['al_ice@corp.example', [], 'hash'],
  ['100%real@corp.example', ['VIEWER'], 'hash'],
  ['bob@other.example', ['DEVELOPER', 'VIEWER'], null],
  ['carol@other.example', [], null],
  ['dan@other.example', [], null],
];

for (const kind of testDatabaseKinds()) {
  describe(`account administration queries on ${kind}`, () => {
    let close: (() => Promise<void>) | undefined;
    let handle: DatabaseHandle;
    let accounts: AccountStore;
    let oauth: SqlOAuthStore;

    beforeAll(async () => {
      ({ handle, close } = await openMigratedTestDatabase(kind));
      accounts = createSqlIdentityStores(handle.db).accounts;
      oauth = new SqlOAuthStore(handle.db, handle.dialect);
      for (const [i, [email, roles, hash]] of people.entries()) {
        const created = await accounts.createAccount({
          id: id(i),
          email,
          name: null,
          passwordHash: hash,
          roles,
          now: 1,
        });
        if (created.status !== 'created') throw new Error('account not created');
      }
    }, 60_000);

    afterAll(async () => {
      await close?.();
    });

    const emails = async (search: Parameters<AccountStore['searchAccounts']>[0]) =>
      (await accounts.searchAccounts(search)).map((a) => a.email);

    it('matches email text literally: % and _ are not wildcards', async () => {
      expect(await emails({ query: 'al_', limit: 10 })).toEqual(['al_ice@corp.example']);
      expect(await emails({ query: '0%r', limit: 10 })).toEqual(['100%real@corp.example']);
      expect(await emails({ query: '%', limit: 10 })).toEqual(['100%real@corp.example']);
      expect(await emails({ query: "' or 1=1 --", limit: 10 })).toEqual([]);
      expect(await emails({ query: 'other.ex', limit: 10 })).toHaveLength(3);
    });

    it('pages in id order after a cursor', async () => {
      const first = await accounts.searchAccounts({ limit: 4 });
      const rest = await accounts.searchAccounts({ limit: 4, after: first.at(-1)?.id });
      expect([...first, ...rest].map((a) => a.id)).toEqual(people.map((_, i) => id(i)));
      expect(first[3]?.roles).toEqual(['DEVELOPER', 'VIEWER']);
    });

    it('filters by a role held directly, or by ids holding it through the policy', async () => {
      expect(await emails({ role: 'VIEWER', limit: 10 })).toEqual([
        '100%real@corp.example',
        'bob@other.example',
      ]);
      expect(await emails({ role: 'ADMIN', orIds: [id(4)], limit: 10 })).toEqual([
        'alice@corp.example',
        'carol@other.example',
      ]);
      expect(await emails({ orIds: [], limit: 10 })).toEqual([]);
    });

    it('replaces roles and lists the active holders of a role', async () => {
      await accounts.setRoles(id(1), ['ADMIN', 'VIEWER'], 5);
      expect((await accounts.findAccountById(id(1)))?.roles).toEqual(['ADMIN', 'VIEWER']);
      expect((await accounts.listActiveAccountIdsWithRole('ADMIN')).sort()).toEqual([id(0), id(1)]);
      await accounts.setRoles(id(1), [], 6);
      expect((await accounts.findAccountById(id(1)))?.roles).toEqual([]);
    });

    it('counts the accounts a provider is the only sign-in method of', async () => {
      const provider = (pid: string) => ({
        id: pid,
        type: 'oidc' as const,
        name: null,
        clientId: 'c',
        clientSecretSealed: 'v1.k.iv.ct.tag',
        scopes: null,
        issuer: 'https://idp.example',
        baseUrl: null,
        apiUrl: null,
        callbackUrl: null,
        enabled: true,
        createdBy: null,
        createdAt: 1,
        updatedAt: 1,
      });
      await oauth.createProvider(provider('corp'));
      await oauth.createProvider(provider('other'));
      const link = (n: number, accountId: string, providerId: string) =>
        oauth.linkIdentity({
          id: `identity-${n}`,
          accountId,
          providerId,
          subject: `s${n}`,
          email: null,
          emailVerified: false,
          createdAt: 1,
          lastLoginAt: null,
        });
      await link(1, id(0), 'corp'); // has a password
      await link(2, id(3), 'corp'); // only corp
      await link(3, id(4), 'corp'); // corp and other
      await link(4, id(4), 'other');
      await link(5, id(5), 'other'); // only other
      expect(await oauth.countSoleSignInAccounts('corp')).toBe(1);
      expect(await oauth.countSoleSignInAccounts('other')).toBe(1);
      expect(await oauth.countSoleSignInAccounts('none')).toBe(0);
      expect(await oauth.countIdentities(id(4))).toBe(2);
      expect(await oauth.countIdentities(id(2))).toBe(0);
    });

    it('erasure removes the account’s provider identities (they hold the provider email)', async () => {
      await new SqlPersonalDataStore(handle.db).eraseAccount({
        accountId: id(4),
        anonymisedEmail: 'erased-x@erased.invalid',
        now: 9,
      });
      expect(await oauth.countIdentities(id(4))).toBe(0);
      expect(await oauth.findIdentity('corp', 's3')).toBeUndefined();
      expect(await oauth.countIdentities(id(3))).toBe(1);
    });
  });
}
