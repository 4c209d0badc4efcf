import { describe, expect, it } from 'vitest';
import type { LinkedIdentity } from '../store.js';
import { resolveAccount } from './account-resolution.js';

const profile = (email: string | null, emailVerified: boolean) => ({
  subject: 's1',
  email,
  emailVerified,
  name: null,
});
const identity = (accountId: string): LinkedIdentity => ({
  id: 'i1',
  accountId,
  providerId: 'p',
  subject: 's1',
  email: null,
  emailVerified: false,
  createdAt: 0,
  lastLoginAt: null,
});
const base = {
  identity: undefined,
  linkAccountId: undefined,
  accountIdByEmail: undefined,
  signupAllowed: true,
};

describe('resolveAccount', () => {
  it('signs a linked identity in to its account, whatever its email says now', () => {
    expect(
      resolveAccount({ ...base, profile: profile(null, false), identity: identity('a1') }),
    ).toMatchObject({
      kind: 'existing',
      accountId: 'a1',
    });
  });

  it('links a verified email to the account that owns it', () => {
    expect(
      resolveAccount({ ...base, profile: profile('x@example.com', true), accountIdByEmail: 'a2' }),
    ).toEqual({
      kind: 'link',
      accountId: 'a2',
      via: 'verified_email',
    });
  });

  it('never links or creates through an unverified or missing email', () => {
    for (const p of [profile('x@example.com', false), profile(null, true), profile(null, false)]) {
      expect(resolveAccount({ ...base, profile: p, accountIdByEmail: 'a2' })).toEqual({
        kind: 'refuse',
        reason: 'email_unverified',
      });
      expect(resolveAccount({ ...base, profile: p })).toEqual({
        kind: 'refuse',
        reason: 'email_unverified',
      });
    }
  });

  it('creates an account for an unknown verified email only when sign-up is allowed', () => {
    expect(resolveAccount({ ...base, profile: profile('n@example.com', true) })).toEqual({
      kind: 'create',
    });
    expect(
      resolveAccount({ ...base, profile: profile('n@example.com', true), signupAllowed: false }),
    ).toEqual({
      kind: 'refuse',
      reason: 'signup_disabled',
    });
  });

  it('links any identity to the signed-in account that asked, unless another account holds it', () => {
    const p = profile('other@example.com', false);
    expect(resolveAccount({ ...base, profile: p, linkAccountId: 'me' })).toEqual({
      kind: 'link',
      accountId: 'me',
      via: 'session',
    });
    expect(
      resolveAccount({ ...base, profile: p, linkAccountId: 'me', identity: identity('me') }).kind,
    ).toBe('existing');
    expect(
      resolveAccount({ ...base, profile: p, linkAccountId: 'me', identity: identity('them') }),
    ).toEqual({
      kind: 'refuse',
      reason: 'identity_in_use',
    });
  });
});
