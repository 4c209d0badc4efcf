import type { LinkedIdentity } from '../store.js';
import type { ProviderProfile } from './provider-client.js';

export type Resolution =
  /** The identity is linked already: sign in to its account. */
  | { kind: 'existing'; accountId: string; identity: LinkedIdentity }
  /** Link the identity to this account (then sign in, unless the flow only links). */
  | { kind: 'link'; accountId: string; via: 'verified_email' | 'session' }
  /** A new account for the verified email, with the identity linked. */
  | { kind: 'create' }
  | { kind: 'refuse'; reason: 'email_unverified' | 'signup_disabled' | 'identity_in_use' };

export interface ResolutionInput {
  profile: ProviderProfile;
  /** The identity already linked for (provider, subject), if any. */
  identity: LinkedIdentity | undefined;
  /** Set when a signed-in account started the flow to link a provider. */
  linkAccountId: string | undefined;
  /** The account whose email equals the profile's (looked up only when needed). */
  accountIdByEmail: string | undefined;
  signupAllowed: boolean;
}

/**
 * Decides what a provider's answer does. An email links an identity to an existing
 * account, or creates one, only when the provider vouches for it (email_verified): an
 * unverified email would let anyone who types a victim's address at a provider take
 * over the victim's account. A signed-in account may link any identity of its own.
 */
export function resolveAccount(input: ResolutionInput): Resolution {
  const { identity, linkAccountId, profile } = input;
  if (linkAccountId !== undefined) {
    if (!identity) return { kind: 'link', accountId: linkAccountId, via: 'session' };
    if (identity.accountId === linkAccountId)
      return { kind: 'existing', accountId: identity.accountId, identity };
    return { kind: 'refuse', reason: 'identity_in_use' };
  }
  if (identity) return { kind: 'existing', accountId: identity.accountId, identity };
  if (!profile.email || !profile.emailVerified)
    return { kind: 'refuse', reason: 'email_unverified' };
  if (input.accountIdByEmail !== undefined)
    return { kind: 'link', accountId: input.accountIdByEmail, via: 'verified_email' };
  return input.signupAllowed ? { kind: 'create' } : { kind: 'refuse', reason: 'signup_disabled' };
}
