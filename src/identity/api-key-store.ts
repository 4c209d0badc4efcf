import type { RoleName } from '../config/schema.js';

/** Ports for API keys and service accounts. Adapter: src/storage/sql/sql-api-key-store.ts. */

export type ApiKeyOwnerKind = 'user' | 'service_account';

export interface ServiceAccountRecord {
  id: string;
  name: string;
  description: string | null;
  roles: RoleName[];
  createdBy: string | null;
  createdAt: number;
  disabledAt: number | null;
}

export interface ApiKeyRecord {
  id: string;
  ownerKind: ApiKeyOwnerKind;
  ownerId: string;
  name: string;
  /** SHA-256 (hex) of the whole key string. */
  keyHash: string;
  /** The HMAC secret for signed requests, sealed with the master key; null when none. */
  signingSecretSealed: string | null;
  /** The first characters of the key, safe to show. */
  displayPrefix: string;
  scopes: string[];
  allowedCidrs: string[];
  createdBy: string | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  revokedReason: string | null;
  replacedBy: string | null;
  graceUntil: number | null;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
  expiryNotifiedAt: number | null;
}

/** A key as verification needs it: with its service account when a service account owns it. */
export interface ApiKeyWithOwner {
  key: ApiKeyRecord;
  serviceAccount: ServiceAccountRecord | undefined;
}

export interface ApiKeyStore {
  createKey(key: ApiKeyRecord): Promise<void>;
  findKeyByHash(keyHash: string): Promise<ApiKeyWithOwner | undefined>;
  findKeyById(id: string): Promise<ApiKeyRecord | undefined>;
  findKeyWithOwnerById(id: string): Promise<ApiKeyWithOwner | undefined>;
  listKeys(owner: { kind: ApiKeyOwnerKind; id: string }): Promise<ApiKeyRecord[]>;
  /** Revokes an unrevoked key; resolves false when it was already revoked or unknown. */
  revokeKey(id: string, reason: string, now: number): Promise<boolean>;
  /**
   * Stores `replacement` and marks `oldId` as replaced, working until `graceUntil`, in one
   * transaction; resolves false (and stores nothing) when the old key was already revoked
   * or rotated.
   */
  rotateKey(
    oldId: string,
    replacement: ApiKeyRecord,
    graceUntil: number,
    now: number,
  ): Promise<boolean>;
  /** Records the last use; best effort. */
  touchKey(id: string, at: number, ip: string): Promise<void>;
  /**
   * Marks, and returns, the live keys expiring within (now, horizon] that were not yet
   * announced. A key is returned once, whichever node asks.
   */
  claimExpiringKeys(now: number, horizon: number): Promise<ApiKeyRecord[]>;
  /** Revokes every live key of an owner; resolves with their ids. */
  revokeKeysOf(
    owner: { kind: ApiKeyOwnerKind; id: string },
    reason: string,
    now: number,
  ): Promise<string[]>;
}

export interface ServiceAccountStore {
  /** Resolves false when the name is taken. */
  createServiceAccount(account: ServiceAccountRecord): Promise<boolean>;
  findServiceAccount(id: string): Promise<ServiceAccountRecord | undefined>;
  listServiceAccounts(): Promise<ServiceAccountRecord[]>;
  /** Resolves false when unknown or already disabled. */
  disableServiceAccount(id: string, now: number): Promise<boolean>;
}
