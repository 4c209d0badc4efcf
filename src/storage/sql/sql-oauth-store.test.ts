import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openMigratedTestDatabase,
  testDatabaseKinds,
} from '../../../test/support/test-databases.js';
import type { LinkedIdentity, StoredOAuthProvider } from '../../identity/oauth/store.js';
import type { DatabaseHandle } from '../database.js';
import { createSqlIdentityStores } from './index.js';
import { SqlOAuthStore } from './sql-oauth-store.js';

const provider = (id: string, over: Partial<StoredOAuthProvider> = {}): StoredOAuthProvider => ({
  id,
  type: 'oidc',
  name: null,
  clientId: `client-${id}`,
  clientSecretSealed: 'v1.k.iv.ct.tag',
  scopes: ['openid', 'email'],
  issuer: 'https://idp.example',
  baseUrl: null,
  apiUrl: null,
  callbackUrl: null,
  enabled: true,
  createdBy: null,
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_000_000,
  ...over,
});

for (const kind of testDatabaseKinds()) {
  describe(`SqlOAuthStore on ${kind}`, () => {
    let close: (() => Promise<void>) | undefined;
    let handle: DatabaseHandle;
    let store: SqlOAuthStore;
    let accountId: string;
    let otherAccountId: string;

    beforeAll(async () => {
      ({ handle, close } = await openMigratedTestDatabase(kind));
      store = new SqlOAuthStore(handle.db, handle.dialect);
      const accounts = createSqlIdentityStores(handle.db).accounts;
      for (const [i, email] of ['a@example.com', 'b@example.com'].entries()) {
        const created = await accounts.createAccount({
          id: `0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5${i}`,
          email,
          name: null,
          passwordHash: null,
          roles: [],
          now: 1,
        });
        if (created.status !== 'created') throw new Error('account not created');
        if (i === 0) accountId = created.account.id;
        else otherAccountId = created.account.id;
      }
    });

    afterAll(async () => {
      await close?.();
    });

    const identity = (id: string, over: Partial<LinkedIdentity> = {}): LinkedIdentity => ({
      id,
      accountId,
      providerId: 'corp',
      subject: `sub-${id}`,
      email: 'a@example.com',
      emailVerified: true,
      createdAt: 10,
      lastLoginAt: null,
      ...over,
    });

    it('stores, lists, replaces and deletes providers; an id is taken once', async () => {
      expect(await store.createProvider(provider('corp'))).toBe(true);
      expect(await store.createProvider(provider('corp'))).toBe(false);
      expect(
        await store.createProvider(provider('gh', { type: 'github', scopes: null, issuer: null })),
      ).toBe(true);
      expect(await store.findProvider('corp')).toEqual(provider('corp'));
      expect((await store.listProviders()).map((p) => p.id)).toEqual(['corp', 'gh']);
      const changed = provider('corp', {
        enabled: false,
        clientId: 'new',
        updatedAt: 1_700_000_000_001,
      });
      expect(await store.updateProvider(changed)).toBe(true);
      expect(await store.findProvider('corp')).toEqual(changed);
      expect(await store.updateProvider(provider('missing'))).toBe(false);
    });

    it('links a (provider, subject) once, even when two accounts race for it', async () => {
      const results = await Promise.all([
        store.linkIdentity(identity('i1', { subject: 'same' })),
        store.linkIdentity(identity('i2', { subject: 'same', accountId: otherAccountId })),
      ]);
      expect(results.map((x) => x.status).sort()).toEqual(['linked', 'taken']);
      const taken = results.find((x) => x.status === 'taken');
      const linked = results.find((x) => x.status === 'linked');
      expect(taken?.identity.id).toBe(linked?.identity.id);
      expect((await store.findIdentity('corp', 'same'))?.id).toBe(linked?.identity.id);
    });

    it('lists an account’s identities and records each sign-in', async () => {
      await store.linkIdentity(identity('i3', { providerId: 'gh', subject: '42', createdAt: 20 }));
      await store.touchIdentity('i3', { email: 'new@example.com', emailVerified: false, now: 99 });
      const list = await store.listIdentities(accountId);
      const i3 = list.find((i) => i.id === 'i3');
      expect(i3).toMatchObject({ email: 'new@example.com', emailVerified: false, lastLoginAt: 99 });
      expect(await store.findIdentity('gh', '42')).toEqual(i3);
    });

    it('unlinks only the owner’s identity', async () => {
      expect(await store.unlinkIdentity(otherAccountId, 'i3')).toBe('not_found');
      expect(await store.unlinkIdentity(accountId, 'i3')).toBe('unlinked');
      expect(await store.findIdentity('gh', '42')).toBeUndefined();
      expect(await store.unlinkIdentity(accountId, 'i3')).toBe('not_found');
    });

    it('keeps the last way to sign in of an account without a password, under concurrent unlinks', async () => {
      // accountId has no password: its identities are its only ways to sign in.
      for (const old of await store.listIdentities(accountId))
        await store.unlinkIdentity(accountId, old.id);
      const remaining = await store.listIdentities(accountId);
      expect(remaining).toHaveLength(1);
      await store.linkIdentity(identity('r2', { providerId: 'gh', subject: 'r2' }));
      const outcomes = await Promise.all(
        [remaining[0]?.id as string, 'r2'].map((id) => store.unlinkIdentity(accountId, id)),
      );
      expect(outcomes.sort()).toEqual(['last_sign_in_method', 'unlinked']);
      expect(await store.listIdentities(accountId)).toHaveLength(1);
    });

    it('removes a provider with the identities linked through it', async () => {
      await store.linkIdentity(identity('i4', { subject: 'x' }));
      expect(await store.deleteProvider('corp')).toBe(true);
      expect(await store.findIdentity('corp', 'x')).toBeUndefined();
      expect(await store.deleteProvider('corp')).toBe(false);
    });

    it('treats hostile strings as data', async () => {
      const evil = "x'); drop table oauth_identities; --";
      await store.linkIdentity(identity('i5', { providerId: 'gh', subject: evil }));
      expect((await store.findIdentity('gh', evil))?.subject).toBe(evil);
    });
  });
}
