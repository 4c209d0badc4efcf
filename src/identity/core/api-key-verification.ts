import type { RoleName } from '../../config/schema.js';
import { parseApiKeyString } from '../../shared/api-key-string.js';
import type { ApiKeyOwnerKind, ApiKeyRecord } from '../api-key-store.js';

// What verifying an API key answers, and the key's status: shared by the service, its
// cache and the authenticator.

export interface ApiKeyOwner {
  kind: ApiKeyOwnerKind;
  id: string;
}

/** A verified key, as the authenticator turns it into a principal. */
export interface VerifiedApiKey {
  keyId: string;
  owner: ApiKeyOwner;
  /** The key's scopes. */
  scopes: readonly string[];
  /** The owner's roles now. */
  ownerRoles: readonly RoleName[];
  /** The owner's permissions now: a key never does more than its owner may. */
  ownerPermissions: readonly string[];
  expiresAt: number | null;
  createdAt: number;
  allowedCidrs: readonly string[];
  name: string;
}

export type ApiKeyVerification =
  | { ok: true; key: VerifiedApiKey }
  | {
      ok: false;
      reason:
        | 'malformed'
        | 'bad_checksum'
        | 'unknown'
        | 'revoked'
        | 'expired'
        | 'grace_ended'
        | 'owner_disabled'
        | 'source_denied';
      keyId?: string;
    };

export type ApiKeyStatus = 'active' | 'grace' | 'expired' | 'revoked';

/** A signed request as the authenticator sees it (see src/shared/sign-request.ts). */
export interface SignedRequestInput {
  keyId: string;
  timestamp: string;
  nonce: string;
  signature: string;
  method: string;
  path: string;
  query: string;
  bodySha256: string;
  ip: string;
}

/** What every signature scheme hands to `verifySignedWith`. */
export interface SignedWithInput {
  keyId: string;
  /** Unix seconds, as digits. */
  timestamp: string;
  nonce: string;
  ip: string;
  /** Whether the request's MAC is right under the key's signing secret (constant time). */
  macMatches(signingSecret: string): boolean;
}

export type SignedRequestVerification =
  | ApiKeyVerification
  | {
      ok: false;
      reason: 'signature_invalid' | 'signature_expired' | 'signature_replayed';
      keyId?: string;
    };

/** The refusal a string's format calls for (not a key, or a failed checksum), if any. */
export function formatRefusal(presented: string): ApiKeyVerification | undefined {
  const parsed = parseApiKeyString(presented);
  if (parsed.ok) return undefined;
  return { ok: false, reason: parsed.reason === 'bad_checksum' ? 'bad_checksum' : 'malformed' };
}

/** The refusal a key's own status calls for (revoked, expired, past its grace), if any. */
export function refusalByStatus(key: ApiKeyRecord, now: number): ApiKeyVerification | undefined {
  const status = apiKeyStatus(key, now);
  if (status === 'revoked') return { ok: false, reason: 'revoked', keyId: key.id };
  if (status === 'expired') {
    return { ok: false, reason: key.replacedBy ? 'grace_ended' : 'expired', keyId: key.id };
  }
  return undefined;
}

export function apiKeyStatus(key: ApiKeyRecord, now: number): ApiKeyStatus {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  if (key.replacedBy !== null)
    return key.graceUntil !== null && key.graceUntil > now ? 'grace' : 'expired';
  return 'active';
}
