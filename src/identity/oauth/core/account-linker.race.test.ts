import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openMigratedTestDatabase,
  testDatabaseKinds,
} from '../../../../test/support/test-databases.js';
import { EventBus } from '../../../events/event-bus.js';
import type { SecurityEvent } from '../../../events/security-event.js';
import type { DatabaseHandle } from '../../../storage/database.js';
import { createMemoryHotStore } from '../../../storage/memory/memory-hot-store.js';
import { SqlAccountStore } from '../../../storage/sql/sql-account-store.js';
import { SqlOAuthStore } from '../../../storage/sql/sql-oauth-store.js';
import { AccountCache } from '../../core/account-cache.js';
import { AccountLinker } from './account-linker.js';
import type { OAuthProvider } from './providers.js';

const provider: OAuthProvider = {
  id: 'corp',
  type: 'oidc',
  name: 'Corp',
  clientId: 'rampart',
  clientSecret: 'secret',
  scopes: ['openid', 'email'],
  issuer: 'https://id.example.com',
  callbackUrl: 'https://rampart.example.com/v1/auth/oauth/corp/callback',
  source: 'config',
  enabled: true,
  version: '1',
};

// Eight callbacks of one person at once (a double-clicked button, a retried redirect, tabs):
// one account, one link, every callback signed in to it, no error.
describe.each(testDatabaseKinds())('account linking under concurrent callbacks (%s)', (kind) => {
  let close: (() => Promise<void>) | undefined;
  let handle: DatabaseHandle;
  const hot = createMemoryHotStore();
  const events: SecurityEvent[] = [];
  let linker: AccountLinker;
  let accounts: SqlAccountStore;
  let oauth: SqlOAuthStore;

  beforeAll(async () => {
    ({ handle, close } = await openMigratedTestDatabase(kind));
    accounts = new SqlAccountStore(handle.db);
    oauth = new SqlOAuthStore(handle.db, handle.dialect);
    const bus = new EventBus({
      onHandlerError: (error) => {
        throw error;
      },
    });
    bus.subscribe('test', (event) => void events.push(event));
    linker = new AccountLinker({
      store: oauth,
      accounts,
      accountCache: new AccountCache({ store: accounts, pubsub: hot.pubsub }),
      events: bus,
      policy: { signupAllowed: true, defaultRoles: [] },
    });
  });
  // The eight callbacks of one person, at once.
  const eightCallbacks = (profile: Parameters<AccountLinker['findOrCreate']>[1]) =>
    Array.from({ length: 8 }, () => linker.findOrCreate(provider, profile, undefined, {}));

  afterAll(async () => {
    await hot.close();
    await close?.();
  });

  it('signs a new person up once: one account, one link, one of each event', async () => {
    const profile = {
      subject: 'sub-new',
      email: 'new@example.com',
      emailVerified: true,
      name: 'New',
    };
    const results = await Promise.allSettled(eightCallbacks(profile));
    const ids = results.map((r) => (r.status === 'fulfilled' ? r.value.id : String(r.reason)));
    expect(new Set(ids).size).toBe(1);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const account = await accounts.findAccountByEmail('new@example.com');
    expect(account?.id).toBe(ids[0]);
    expect(await oauth.listIdentities(ids[0] as string)).toHaveLength(1);
    const registered = events.filter((e) => e.type === 'account.registered');
    const linked = events.filter(
      (e) => e.type === 'auth.oauth.linked' && e.details.accountId === ids[0],
    );
    expect(registered).toHaveLength(1);
    expect(linked).toHaveLength(1);
  });

  it('links an existing account by its verified email once, every callback signed in to it', async () => {
    const created = await accounts.createAccount({
      id: '01938a2e-0000-7000-8000-00000000ada1',
      email: 'ada@example.com',
      name: 'Ada',
      passwordHash: null,
      roles: [],
      now: Date.now(),
    });
    if (created.status !== 'created') throw new Error('setup: account not created');
    const profile = {
      subject: 'sub-ada',
      email: 'Ada@Example.com',
      emailVerified: true,
      name: 'Ada',
    };
    const results = await Promise.all(eightCallbacks(profile));
    expect(new Set(results.map((a) => a.id))).toEqual(new Set([created.account.id]));
    expect(await oauth.listIdentities(created.account.id)).toMatchObject([{ subject: 'sub-ada' }]);
    const linked = events.filter(
      (e) => e.type === 'auth.oauth.linked' && e.details.accountId === created.account.id,
    );
    expect(linked).toHaveLength(1);
    expect(linked[0]?.details).toMatchObject({ via: 'verified_email' });
  });
});
