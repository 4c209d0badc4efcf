import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RoleName } from '../../src/config/schema.js';
import type {
  AccountClaim,
  IdentityStores,
  InviteRecord,
  NewAccount,
  StoredSigningKey,
} from '../../src/identity/store.js';

/** How a conformance run opens the adapter under test: a fresh, empty store per test. */
export interface IdentityStoresHarness {
  open(): Promise<{
    stores: Omit<IdentityStores, 'sessions' | 'mfa' | 'passwordResets'>;
    close(): Promise<void>;
  }>;
}

const t0 = 1_700_000_000_000;
const hour = 3_600_000;

let sequence = 0;

function newAccount(overrides: Partial<NewAccount> = {}): NewAccount {
  sequence += 1;
  return {
    id: `account-${sequence}`,
    email: `user${sequence}@example.com`,
    name: `User ${sequence}`,
    passwordHash: `$argon2id$hash-${sequence}`,
    roles: ['VIEWER'],
    now: t0,
    ...overrides,
  };
}

type NewInvite = InviteRecord & { tokenHash: string };

function newInvite(overrides: Partial<NewInvite> = {}): NewInvite {
  sequence += 1;
  return {
    id: `invite-${sequence}`,
    tokenHash: `invite-hash-${sequence}`,
    email: null,
    roles: ['DEVELOPER'],
    createdBy: null,
    createdAt: t0,
    expiresAt: t0 + hour,
    usedAt: null,
    usedBy: null,
    ...overrides,
  };
}

function newSigningKey(kid: string, createdAt: number): StoredSigningKey {
  return {
    kid,
    algorithm: 'EdDSA',
    publicJwk: JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: kid }),
    sealedPrivateKey: `sealed:${kid}`,
    createdAt,
    retiredAt: null,
    verifyUntil: null,
  };
}

function inviteClaim(tokenHash: string, now = t0 + 1000): AccountClaim {
  return { kind: 'invite', tokenHash, now };
}

function bootstrapClaim(tokenHash: string, now = t0 + 1000): AccountClaim {
  return { kind: 'bootstrap', tokenHash, now };
}

/** Strings that break a store that builds SQL by concatenation, or treats input as a pattern. */
const hostileStrings = [
  "' OR 1=1 --",
  '"; drop table accounts; --',
  "Robert'); DROP TABLE invites;--",
  "\\'; select pg_sleep(5); --",
  '%',
  '_',
  '$1',
  '?',
  ':email',
  "' || (select password_hash from accounts limit 1) || '",
  'ünïcødé 👩‍💻 ключ 鍵',
];

/**
 * The identity ports' contract (accounts, invitations, the bootstrap token, signing
 * keys), run against one adapter. Roles are always returned sorted and without
 * duplicates, whatever order they were given in.
 */
export function defineIdentityStoresConformance(harness: IdentityStoresHarness): void {
  let stores: Omit<IdentityStores, 'sessions' | 'mfa' | 'passwordResets'>;
  let close: (() => Promise<void>) | undefined;

  beforeEach(async () => {
    ({ stores, close } = await harness.open());
  });

  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  describe('accounts', () => {
    it('creates an account and finds it by email and by id', async () => {
      const input = newAccount({ name: 'Ada Lovelace', roles: ['DEVELOPER'] });
      const result = await stores.accounts.createAccount(input);
      const account = {
        id: input.id,
        email: input.email,
        name: 'Ada Lovelace',
        roles: ['DEVELOPER'],
        status: 'active',
        createdAt: t0,
        updatedAt: t0,
      };
      expect(result).toEqual({ status: 'created', account });
      expect(await stores.accounts.findAccountById(input.id)).toEqual(account);
      expect(await stores.accounts.findAccountByEmail(input.email)).toEqual({
        ...account,
        passwordHash: input.passwordHash,
        passwordChangedAt: t0,
      });
    });

    it('stores a missing name as null and an account without roles with an empty list', async () => {
      const input = newAccount({ name: null, roles: [] });
      await stores.accounts.createAccount(input);
      const found = await stores.accounts.findAccountById(input.id);
      expect(found?.name).toBeNull();
      expect(found?.roles).toEqual([]);
    });

    it('creates an account without a password (a social sign-up): no hash, never changed', async () => {
      const input = newAccount({ passwordHash: null });
      await stores.accounts.createAccount(input);
      const found = await stores.accounts.findAccountWithCredentialsById(input.id);
      expect(found?.passwordHash).toBeNull();
      expect(found?.passwordChangedAt).toBeNull();
    });

    it('finds nothing for an unknown email or id', async () => {
      await stores.accounts.createAccount(newAccount());
      expect(await stores.accounts.findAccountByEmail('nobody@example.com')).toBeUndefined();
      expect(await stores.accounts.findAccountById('no-such-id')).toBeUndefined();
    });

    it('matches emails exactly: normalising them is the caller’s job', async () => {
      const input = newAccount({ email: 'ada@example.com' });
      await stores.accounts.createAccount(input);
      expect(await stores.accounts.findAccountByEmail('Ada@Example.com')).toBeUndefined();
      expect(await stores.accounts.findAccountByEmail(' ada@example.com')).toBeUndefined();
    });

    it('returns roles sorted and without duplicates, on creation and on every read', async () => {
      const input = newAccount({ roles: ['VIEWER', 'ADMIN', 'DEVELOPER', 'ADMIN'] });
      const result = await stores.accounts.createAccount(input);
      const sorted: RoleName[] = ['ADMIN', 'DEVELOPER', 'VIEWER'];
      expect(result.status === 'created' && result.account.roles).toEqual(sorted);
      expect((await stores.accounts.findAccountById(input.id))?.roles).toEqual(sorted);
      expect((await stores.accounts.findAccountByEmail(input.email))?.roles).toEqual(sorted);
    });

    it('does not let a caller change a stored account through a returned object', async () => {
      const input = newAccount({ roles: ['VIEWER'] });
      const result = await stores.accounts.createAccount(input);
      if (result.status === 'created') result.account.roles.push('ADMIN');
      const found = await stores.accounts.findAccountById(input.id);
      found?.roles.push('ADMIN');
      expect((await stores.accounts.findAccountById(input.id))?.roles).toEqual(['VIEWER']);
      expect(await stores.accounts.countActiveAccountsWithRole('ADMIN')).toBe(0);
    });

    it('refuses a second account with the same email as email_taken and writes nothing', async () => {
      const first = newAccount();
      await stores.accounts.createAccount(first);
      const second = newAccount({ email: first.email, roles: ['ADMIN'] });
      expect(await stores.accounts.createAccount(second)).toEqual({ status: 'email_taken' });
      expect(await stores.accounts.findAccountById(second.id)).toBeUndefined();
      expect((await stores.accounts.findAccountByEmail(first.email))?.id).toBe(first.id);
      expect(await stores.accounts.countActiveAccountsWithRole('ADMIN')).toBe(0);
    });

    it('never replaces an existing account when an id is reused', async () => {
      const first = newAccount();
      await stores.accounts.createAccount(first);
      const reused = newAccount({ id: first.id, roles: ['ADMIN'] });
      const result = await stores.accounts.createAccount(reused);
      expect(result.status).toBe('email_taken');
      expect((await stores.accounts.findAccountById(first.id))?.email).toBe(first.email);
      expect(await stores.accounts.findAccountByEmail(reused.email)).toBeUndefined();
      expect(await stores.accounts.countActiveAccountsWithRole('ADMIN')).toBe(0);
    });

    it('replaces the password hash and bumps updatedAt, keeping passwordChangedAt (a rehash is not a change)', async () => {
      const input = newAccount();
      await stores.accounts.createAccount(input);
      await stores.accounts.updatePasswordHash(input.id, '$argon2id$stronger', t0 + 5000);
      const found = await stores.accounts.findAccountByEmail(input.email);
      expect(found?.passwordHash).toBe('$argon2id$stronger');
      expect(found?.updatedAt).toBe(t0 + 5000);
      expect(found?.passwordChangedAt).toBe(t0);
      expect(found?.createdAt).toBe(t0);
    });

    it('updates nothing, and does not throw, for an unknown id', async () => {
      const input = newAccount();
      await stores.accounts.createAccount(input);
      await stores.accounts.updatePasswordHash('no-such-id', 'x', t0 + 5000);
      expect((await stores.accounts.findAccountByEmail(input.email))?.passwordHash).toBe(
        input.passwordHash,
      );
    });

    it('counts the active accounts holding a role', async () => {
      expect(await stores.accounts.countActiveAccountsWithRole('ADMIN')).toBe(0);
      await stores.accounts.createAccount(newAccount({ roles: ['ADMIN', 'VIEWER'] }));
      await stores.accounts.createAccount(newAccount({ roles: ['ADMIN'] }));
      await stores.accounts.createAccount(newAccount({ roles: ['VIEWER'] }));
      expect(await stores.accounts.countActiveAccountsWithRole('ADMIN')).toBe(2);
      expect(await stores.accounts.countActiveAccountsWithRole('VIEWER')).toBe(2);
      expect(await stores.accounts.countActiveAccountsWithRole('DEVELOPER')).toBe(0);
    });
  });

  describe('invites', () => {
    it('consumes an invite with the account, merges its roles and returns it as used', async () => {
      const invite = newInvite({ roles: ['DEVELOPER', 'ADMIN'], createdBy: 'account-admin' });
      await stores.invites.createInvite(invite);
      const input = newAccount({ roles: ['VIEWER'], now: t0 + 2000 });
      const result = await stores.accounts.createAccount(input, inviteClaim(invite.tokenHash));
      const { tokenHash: _hash, ...record } = invite;
      const used = { ...record, usedAt: t0 + 1000, usedBy: input.id };
      expect(result).toEqual({
        status: 'created',
        account: expect.objectContaining({ id: input.id, roles: ['ADMIN', 'DEVELOPER', 'VIEWER'] }),
        invite: used,
      });
      expect((await stores.accounts.findAccountById(input.id))?.roles).toEqual([
        'ADMIN',
        'DEVELOPER',
        'VIEWER',
      ]);
      expect(await stores.invites.listInvites({ includeUsed: false, now: t0 + 3000 })).toEqual([]);
      expect(await stores.invites.listInvites({ includeUsed: true, now: t0 + 3000 })).toEqual([
        used,
      ]);
    });

    it('admits the email an invite is bound to', async () => {
      const invite = newInvite({ email: 'bound@example.com' });
      await stores.invites.createInvite(invite);
      const result = await stores.accounts.createAccount(
        newAccount({ email: 'bound@example.com' }),
        inviteClaim(invite.tokenHash),
      );
      expect(result.status).toBe('created');
    });

    const invalidClaims: [string, NewInvite, (invite: NewInvite) => AccountClaim, string?][] = [
      ['an unknown invite token', newInvite(), () => inviteClaim('no-such-hash')],
      ['an expired invite', newInvite({ expiresAt: t0 + 500 }), (i) => inviteClaim(i.tokenHash)],
      [
        'an invite at the instant it expires',
        newInvite({ expiresAt: t0 + 1000 }),
        (i) => inviteClaim(i.tokenHash, t0 + 1000),
      ],
      [
        'an invite bound to another email',
        newInvite({ email: 'someone.else@example.com' }),
        (i) => inviteClaim(i.tokenHash),
      ],
      [
        'a bootstrap claim carrying an invite token',
        newInvite(),
        (i) => bootstrapClaim(i.tokenHash),
      ],
    ];
    for (const [what, invite, claimFor] of invalidClaims) {
      it(`refuses ${what} as claim_invalid and writes nothing`, async () => {
        await stores.invites.createInvite({ ...invite });
        const input = newAccount();
        expect(await stores.accounts.createAccount(input, claimFor(invite))).toEqual({
          status: 'claim_invalid',
        });
        expect(await stores.accounts.findAccountById(input.id)).toBeUndefined();
        expect(await stores.accounts.findAccountByEmail(input.email)).toBeUndefined();
        const [stored] = await stores.invites.listInvites({ includeUsed: true, now: t0 });
        expect(stored?.usedAt).toBeNull();
      });
    }

    it("replaces an email's unused invites with a new one, and nothing else", async () => {
      const first = newInvite({ email: 'again@example.com' });
      const other = newInvite({ email: 'other@example.com' });
      const open = newInvite();
      const openToo = newInvite();
      for (const invite of [first, other, open, openToo])
        expect(await stores.invites.createInvite(invite)).toEqual({ replaced: 0 });
      const second = newInvite({ email: 'again@example.com', createdAt: t0 + 10 });
      expect(await stores.invites.createInvite(second)).toEqual({ replaced: 1 });
      const unused = await stores.invites.listInvites({ includeUsed: false, now: t0 + 20 });
      expect(unused.map((i) => i.id).sort()).toEqual(
        [other.id, open.id, openToo.id, second.id].sort(),
      );
      expect(
        await stores.accounts.createAccount(
          newAccount({ email: 'again@example.com' }),
          inviteClaim(first.tokenHash),
        ),
      ).toEqual({ status: 'claim_invalid' });
      // A used invite is history, not replaced.
      const account = newAccount({ email: 'again@example.com' });
      expect(
        (await stores.accounts.createAccount(account, inviteClaim(second.tokenHash))).status,
      ).toBe('created');
      expect(
        await stores.invites.createInvite(
          newInvite({ email: 'again@example.com', createdAt: t0 + 30 }),
        ),
      ).toEqual({ replaced: 0 });
      const all = await stores.invites.listInvites({ includeUsed: true, now: t0 + 40 });
      expect(all.find((i) => i.id === second.id)?.usedBy).toBe(account.id);
    });

    it('of 8 invites for one email created at once, exactly one stays usable', async () => {
      const invites = Array.from({ length: 8 }, () => newInvite({ email: 'race@example.com' }));
      const results = await Promise.all(invites.map((i) => stores.invites.createInvite(i)));
      expect(results.reduce((sum, r) => sum + r.replaced, 0)).toBe(7);
      const unused = await stores.invites.listInvites({ includeUsed: false, now: t0 + 10 });
      expect(unused.filter((i) => i.email === 'race@example.com')).toHaveLength(1);
    });

    it('refuses a used invite as claim_invalid and writes nothing', async () => {
      const invite = newInvite();
      await stores.invites.createInvite(invite);
      const first = await stores.accounts.createAccount(
        newAccount(),
        inviteClaim(invite.tokenHash),
      );
      expect(first.status).toBe('created');
      const second = newAccount();
      expect(await stores.accounts.createAccount(second, inviteClaim(invite.tokenHash))).toEqual({
        status: 'claim_invalid',
      });
      expect(await stores.accounts.findAccountById(second.id)).toBeUndefined();
    });

    it('leaves the invite unspent when the email is taken', async () => {
      const existing = newAccount();
      await stores.accounts.createAccount(existing);
      const invite = newInvite();
      await stores.invites.createInvite(invite);
      const clash = newAccount({ email: existing.email });
      expect(await stores.accounts.createAccount(clash, inviteClaim(invite.tokenHash))).toEqual({
        status: 'email_taken',
      });
      expect(await stores.invites.listInvites({ includeUsed: false, now: t0 })).toHaveLength(1);
      const retry = await stores.accounts.createAccount(
        newAccount(),
        inviteClaim(invite.tokenHash),
      );
      expect(retry.status).toBe('created');
    });

    it('of 10 concurrent registrations with one invite exactly one creates an account', async () => {
      const invite = newInvite();
      await stores.invites.createInvite(invite);
      const inputs = Array.from({ length: 10 }, () => newAccount());
      const results = await Promise.all(
        inputs.map((input) => stores.accounts.createAccount(input, inviteClaim(invite.tokenHash))),
      );
      expect(results.filter((r) => r.status === 'created')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'claim_invalid')).toHaveLength(9);
      const found = await Promise.all(inputs.map((i) => stores.accounts.findAccountById(i.id)));
      expect(found.filter((a) => a !== undefined)).toHaveLength(1);
      expect(await stores.accounts.countActiveAccountsWithRole('DEVELOPER')).toBe(1);
    });

    it('lists invites newest first, hiding used and expired ones unless asked', async () => {
      const old = newInvite({ id: 'invite-a', createdAt: t0, expiresAt: t0 + 10 * hour });
      const expired = newInvite({ id: 'invite-b', createdAt: t0 + 1, expiresAt: t0 + 2000 });
      const used = newInvite({ id: 'invite-c', createdAt: t0 + 2, expiresAt: t0 + 10 * hour });
      const fresh = newInvite({ id: 'invite-d', createdAt: t0 + 3, expiresAt: t0 + 10 * hour });
      for (const invite of [old, expired, used, fresh]) await stores.invites.createInvite(invite);
      await stores.accounts.createAccount(newAccount(), inviteClaim(used.tokenHash));
      const now = t0 + 5000;
      const open = await stores.invites.listInvites({ includeUsed: false, now });
      expect(open.map((i) => i.id)).toEqual(['invite-d', 'invite-a']);
      const all = await stores.invites.listInvites({ includeUsed: true, now });
      expect(all.map((i) => i.id)).toEqual(['invite-d', 'invite-c', 'invite-b', 'invite-a']);
      expect(all.every((i) => !('tokenHash' in i))).toBe(true);
    });

    it('orders invites created in the same millisecond by id, descending', async () => {
      for (const id of ['invite-b', 'invite-c', 'invite-a'])
        await stores.invites.createInvite(newInvite({ id }));
      const listed = await stores.invites.listInvites({ includeUsed: true, now: t0 });
      expect(listed.map((i) => i.id)).toEqual(['invite-c', 'invite-b', 'invite-a']);
    });

    it('revokes an unused invite, which can then no longer be claimed', async () => {
      const invite = newInvite();
      await stores.invites.createInvite(invite);
      expect(await stores.invites.revokeInvite(invite.id)).toBe(true);
      expect(await stores.invites.revokeInvite(invite.id)).toBe(false);
      expect(await stores.invites.listInvites({ includeUsed: true, now: t0 })).toEqual([]);
      const result = await stores.accounts.createAccount(
        newAccount(),
        inviteClaim(invite.tokenHash),
      );
      expect(result.status).toBe('claim_invalid');
    });

    it('refuses to revoke a used or unknown invite', async () => {
      const invite = newInvite();
      await stores.invites.createInvite(invite);
      await stores.accounts.createAccount(newAccount(), inviteClaim(invite.tokenHash));
      expect(await stores.invites.revokeInvite(invite.id)).toBe(false);
      expect(await stores.invites.revokeInvite('no-such-invite')).toBe(false);
      expect(await stores.invites.listInvites({ includeUsed: true, now: t0 })).toHaveLength(1);
    });

    it('rejects a second invite with the same token hash', async () => {
      const invite = newInvite();
      await stores.invites.createInvite(invite);
      await expect(
        stores.invites.createInvite(newInvite({ tokenHash: invite.tokenHash })),
      ).rejects.toThrow();
      expect(await stores.invites.listInvites({ includeUsed: true, now: t0 })).toHaveLength(1);
    });
  });

  describe('bootstrap token', () => {
    const token = (id: string, expiresAt = t0 + hour) => ({
      id,
      tokenHash: `bootstrap-hash-${id}`,
      createdAt: t0,
      expiresAt,
    });

    it('creates the first administrator once', async () => {
      await stores.bootstrapTokens.replaceBootstrapToken(token('b1'));
      const admin = newAccount({ roles: ['ADMIN'] });
      const result = await stores.accounts.createAccount(
        admin,
        bootstrapClaim('bootstrap-hash-b1'),
      );
      expect(result).toEqual({
        status: 'created',
        account: expect.objectContaining({ id: admin.id }),
      });
      expect(await stores.accounts.countActiveAccountsWithRole('ADMIN')).toBe(1);
      const again = newAccount({ roles: ['ADMIN'] });
      expect(
        await stores.accounts.createAccount(again, bootstrapClaim('bootstrap-hash-b1')),
      ).toEqual({ status: 'claim_invalid' });
      expect(await stores.accounts.findAccountById(again.id)).toBeUndefined();
    });

    it('is refused once an administrator exists, even when unused', async () => {
      await stores.accounts.createAccount(newAccount({ roles: ['ADMIN'] }));
      await stores.bootstrapTokens.replaceBootstrapToken(token('b1'));
      const input = newAccount({ roles: ['ADMIN'] });
      expect(
        await stores.accounts.createAccount(input, bootstrapClaim('bootstrap-hash-b1')),
      ).toEqual({ status: 'claim_invalid' });
      expect(await stores.accounts.findAccountById(input.id)).toBeUndefined();
      expect(await stores.accounts.countActiveAccountsWithRole('ADMIN')).toBe(1);
    });

    it('only accepts the newest token: replacing it invalidates older unused ones', async () => {
      await stores.bootstrapTokens.replaceBootstrapToken(token('b1'));
      await stores.bootstrapTokens.replaceBootstrapToken(token('b2'));
      const input = newAccount({ roles: ['ADMIN'] });
      expect(
        await stores.accounts.createAccount(input, bootstrapClaim('bootstrap-hash-b1')),
      ).toEqual({ status: 'claim_invalid' });
      const result = await stores.accounts.createAccount(
        input,
        bootstrapClaim('bootstrap-hash-b2'),
      );
      expect(result.status).toBe('created');
    });

    it('refuses an expired or unknown token', async () => {
      await stores.bootstrapTokens.replaceBootstrapToken(token('b1', t0 + 500));
      const input = newAccount({ roles: ['ADMIN'] });
      expect(
        await stores.accounts.createAccount(input, bootstrapClaim('bootstrap-hash-b1')),
      ).toEqual({ status: 'claim_invalid' });
      expect(await stores.accounts.createAccount(input, bootstrapClaim('no-such-hash'))).toEqual({
        status: 'claim_invalid',
      });
      expect(await stores.accounts.findAccountById(input.id)).toBeUndefined();
    });

    it('of 10 concurrent claims of one token exactly one creates an administrator', async () => {
      await stores.bootstrapTokens.replaceBootstrapToken(token('b1'));
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          stores.accounts.createAccount(
            newAccount({ roles: ['ADMIN'] }),
            bootstrapClaim('bootstrap-hash-b1'),
          ),
        ),
      );
      expect(results.filter((r) => r.status === 'created')).toHaveLength(1);
      expect(await stores.accounts.countActiveAccountsWithRole('ADMIN')).toBe(1);
    });
  });

  describe('signing keys', () => {
    it('lists nothing before the first key', async () => {
      expect(await stores.signingKeys.listUsableSigningKeys(t0)).toEqual([]);
    });

    it('stores a key and lists it as current with every field intact', async () => {
      const key = { ...newSigningKey('k1', t0), publicJwk: null, algorithm: 'HS256' };
      await stores.signingKeys.addCurrentSigningKey(key, t0 + hour);
      expect(await stores.signingKeys.listUsableSigningKeys(t0)).toEqual([key]);
    });

    it('retires the previous current key until verifyUntil when a new key is added', async () => {
      const k1 = newSigningKey('k1', t0);
      const k2 = newSigningKey('k2', t0 + 1000);
      expect(await stores.signingKeys.addCurrentSigningKey(k1, t0 + 1)).toEqual([]);
      expect(await stores.signingKeys.addCurrentSigningKey(k2, t0 + 5000)).toEqual(['k1']);
      expect(await stores.signingKeys.listUsableSigningKeys(t0 + 2000)).toEqual([
        k2,
        { ...k1, retiredAt: t0 + 1000, verifyUntil: t0 + 5000 },
      ]);
      // verifyUntil is exclusive: at that instant no token the old key signed is valid.
      expect(await stores.signingKeys.listUsableSigningKeys(t0 + 5000)).toEqual([k2]);
    });

    it('lists the current key first, then retired keys newest first', async () => {
      // kids deliberately sort against creation order.
      const keys = [
        newSigningKey('kc', t0),
        newSigningKey('kb', t0 + 1),
        newSigningKey('ka', t0 + 2),
      ];
      for (const key of keys) await stores.signingKeys.addCurrentSigningKey(key, t0 + hour);
      const listed = await stores.signingKeys.listUsableSigningKeys(t0 + 10);
      expect(listed.map((k) => [k.kid, k.retiredAt])).toEqual([
        ['ka', null],
        ['kb', t0 + 2],
        ['kc', t0 + 1],
      ]);
    });

    it('refuses a key whose kid already exists and changes nothing', async () => {
      const k1 = newSigningKey('k1', t0);
      await stores.signingKeys.addCurrentSigningKey(k1, t0 + hour);
      await expect(
        stores.signingKeys.addCurrentSigningKey(newSigningKey('k1', t0 + 1000), t0 + hour),
      ).rejects.toThrow();
      expect(await stores.signingKeys.listUsableSigningKeys(t0 + 2000)).toEqual([k1]);
    });
  });

  describe('hostile input', () => {
    it('stores and finds injection strings literally as ids, emails and names', async () => {
      const bystander = newAccount({ email: 'bystander@example.com', roles: ['ADMIN'] });
      await stores.accounts.createAccount(bystander);
      for (const [i, s] of hostileStrings.entries()) {
        const input = newAccount({ id: s, email: s, name: s, passwordHash: s, roles: [] });
        const result = await stores.accounts.createAccount(input);
        expect(result.status, `account ${i}`).toBe('created');
        expect(await stores.accounts.findAccountById(s)).toEqual(
          expect.objectContaining({ id: s, email: s, name: s }),
        );
        expect((await stores.accounts.findAccountByEmail(s))?.passwordHash).toBe(s);
      }
      // The bystander is untouched, and no pattern matched more than itself.
      expect((await stores.accounts.findAccountByEmail(bystander.email))?.id).toBe(bystander.id);
      expect(await stores.accounts.countActiveAccountsWithRole('ADMIN')).toBe(1);
      expect(await stores.accounts.findAccountByEmail('%@example.com')).toBeUndefined();
      expect(await stores.accounts.findAccountById('account-%')).toBeUndefined();
      await stores.accounts.updatePasswordHash("' OR 1=1 --", 'changed', t0 + 1);
      expect((await stores.accounts.findAccountByEmail(bystander.email))?.passwordHash).toBe(
        bystander.passwordHash,
      );
    });

    it('treats injection strings in invites, claims and signing keys as data', async () => {
      const bystander = newInvite();
      await stores.invites.createInvite(bystander);
      for (const s of hostileStrings) {
        await stores.invites.createInvite(newInvite({ id: s, tokenHash: `hash ${s}`, email: s }));
      }
      expect(await stores.invites.revokeInvite("' OR 1=1 --")).toBe(true);
      expect(await stores.invites.revokeInvite("x' OR '1'='1")).toBe(false);
      const listed = await stores.invites.listInvites({ includeUsed: true, now: t0 });
      expect(listed).toHaveLength(hostileStrings.length);
      expect(listed.map((i) => i.id)).toContain(bystander.id);
      expect(listed.find((i) => i.id === '%')?.email).toBe('%');

      const wrongEmail = newAccount();
      expect(
        await stores.accounts.createAccount(wrongEmail, inviteClaim(`hash ${"' OR 1=1 --"}`)),
      ).toEqual({ status: 'claim_invalid' });
      expect(await stores.accounts.createAccount(wrongEmail, inviteClaim("' OR 1=1 --"))).toEqual({
        status: 'claim_invalid',
      });
      const literal = await stores.accounts.createAccount(
        newAccount({ email: '%' }),
        inviteClaim('hash %'),
      );
      expect(literal.status).toBe('created');

      for (const [i, s] of hostileStrings.entries())
        await stores.signingKeys.addCurrentSigningKey(newSigningKey(s, t0 + i), t0 + hour);
      const keys = await stores.signingKeys.listUsableSigningKeys(t0);
      expect(keys[0]?.kid).toBe(hostileStrings.at(-1));
      expect(new Set(keys.map((k) => k.kid))).toEqual(new Set(hostileStrings));
    });
  });
}
