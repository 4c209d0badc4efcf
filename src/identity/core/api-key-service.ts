import { randomBytes } from 'node:crypto';
import type { RoleName } from '../../config/schema.js';
import { sealedContexts } from '../../dataprotect/core/associated-data.js';
import type { Sealer } from '../../dataprotect/core/sealer.js';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor } from '../../events/security-event.js';
import { createApiKeyString, parseApiKeyString } from '../../shared/api-key-string.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import type { ExpiringSetStore, PubSub, Unsubscribe } from '../../storage/hot-state.js';
import { apiKeyErrors } from '../api-key-errors.js';
import type {
  ApiKeyRecord,
  ApiKeyStore,
  ServiceAccountRecord,
  ServiceAccountStore,
} from '../api-key-store.js';
import type { AccountCache } from './account-cache.js';
import {
  type ApiKeyOwner,
  type ApiKeyVerification,
  apiKeyStatus,
  type SignedRequestInput,
  type SignedRequestVerification,
  type SignedWithInput,
} from './api-key-verification.js';
import { ApiKeyVerifier, type HeldPermissions } from './api-key-verifier.js';
import { parseCidr } from './cidr.js';
import { anyCovers, scopesBeyond } from './permissions.js';
import type { RequestContext } from './request-context.js';
import { hashSecretToken } from './secret-token.js';

/** Channel on which a node announces that a key changed; the message is the key id. */
export const apiKeyChangesChannel = 'identity.apikeys';

/** Characters of a key kept for display: the prefix, environment and a few random ones. */
const displayLength = 16;

export interface IssuedApiKey {
  key: string;
  /** The HMAC secret for signed requests, when the key was issued with one. Shown once. */
  signingSecret?: string;
  record: ApiKeyRecord;
}

export interface ApiKeyServiceOptions {
  keys: ApiKeyStore;
  serviceAccounts: ServiceAccountStore;
  accounts: AccountCache;
  sets: ExpiringSetStore;
  pubsub: PubSub;
  events: EventPublisher;
  sealer: Sealer;
  /** `<env>` of issued keys (`dev`, `stg`, `prod`). */
  environment: string;
  policy: {
    rotationGraceMs: number;
    expiryNoticeMs: number;
    cacheTtlMs: number;
    maxPerOwner: number;
    /** Seconds a signed request's timestamp may be away from this node's clock. */
    signatureMaxSkewSeconds: number;
  };
  /**
   * The permissions an owner's roles hold (custom and assigned roles included); default:
   * the built-in roles' permissions. A key's scopes may never exceed them.
   */
  permissionsOf?: (ownerId: string, roles: readonly RoleName[]) => readonly string[];
  onBackgroundError?: (error: unknown) => void;
  now?: () => number;
}

/**
 * API keys for people and service accounts: issue, verify, rotate, revoke.
 *
 * Verification (the hot path) is api-key-verifier.ts. A revoked key id goes into the hot
 * store's revocation set (Redis in a cluster), checked on every request; the set entry
 * outlives any node's cached copy, after which the database says "revoked" itself.
 */
export class ApiKeyService {
  readonly #o: ApiKeyServiceOptions;
  readonly #now: () => number;
  readonly #verifier: ApiKeyVerifier;

  constructor(options: ApiKeyServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#verifier = new ApiKeyVerifier({ ...options, now: this.#now });
  }

  /** Verified keys held, and lookups by key served from memory or the store, for metrics. */
  cacheStats(): { size: number; hits: number; misses: number } {
    return this.#verifier.cache.stats();
  }

  /** Checks a presented key string for a request from `ip` (see ApiKeyVerifier.verify). */
  verify(presented: string, ip?: string): Promise<ApiKeyVerification> {
    return this.#verifier.verify(presented, ip);
  }

  /** {@link verify} without a promise when memory decides (see ApiKeyVerifier.verifyNow). */
  verifyNow(presented: string, ip?: string): ApiKeyVerification | undefined {
    return this.#verifier.verifyNow(presented, ip);
  }

  /** Checks a request signed with X-Signature (see ApiKeyVerifier.verifySigned). */
  verifySigned(input: SignedRequestInput): Promise<SignedRequestVerification> {
    return this.#verifier.verifySigned(input);
  }

  /** The checks every signature scheme shares (see ApiKeyVerifier.verifySignedWith). */
  verifySignedWith(input: SignedWithInput): Promise<SignedRequestVerification> {
    return this.#verifier.verifySignedWith(input);
  }

  /** The permissions an owner holds now; undefined when the owner is gone or disabled. */
  ownerPermissions(
    owner: ApiKeyOwner,
    serviceAccount?: ServiceAccountRecord,
  ): Promise<HeldPermissions | undefined> {
    return this.#verifier.ownerPermissions(owner, serviceAccount);
  }

  /** Follows key changes announced by other nodes. */
  follow(): Promise<Unsubscribe> {
    return this.#o.pubsub.subscribe(apiKeyChangesChannel, (id) =>
      this.#verifier.cache.invalidate(id),
    );
  }

  async #changed(id: string): Promise<void> {
    this.#verifier.cache.invalidate(id);
    await this.#o.pubsub.publish(apiKeyChangesChannel, id);
  }

  #revocationTtlMs(): number {
    // Longer than any node may serve the key from memory; after that the row decides.
    return this.#o.policy.cacheTtlMs * 2 + 60_000;
  }

  async #markRevoked(id: string): Promise<void> {
    await this.#o.sets.add(`revoked:apikey:${id}`, this.#revocationTtlMs());
    await this.#changed(id);
  }

  #checkRequest(
    owner: ApiKeyOwner,
    held: readonly string[],
    input: { scopes: readonly string[]; allowedCidrs: readonly string[]; expiresAt: number | null },
    now: number,
  ): void {
    const beyond = scopesBeyond(held, input.scopes);
    if (beyond.length > 0) {
      throw new RampartError(apiKeyErrors.scope_not_allowed, {
        detail: `The owner does not hold: ${beyond.join(', ')}.`,
        context: { owner: owner.id },
      });
    }
    for (const cidr of input.allowedCidrs) {
      if (!parseCidr(cidr)) {
        throw new RampartError(apiKeyErrors.invalid_cidr, { detail: `Not a network: ${cidr}` });
      }
    }
    if (input.expiresAt !== null && input.expiresAt <= now) {
      throw new RampartError(apiKeyErrors.invalid_expiry);
    }
  }

  #newRecord(
    owner: ApiKeyOwner,
    input: {
      name: string;
      scopes: readonly string[];
      allowedCidrs: readonly string[];
      expiresAt: number | null;
      signing?: boolean;
    },
    createdBy: string | null,
    now: number,
  ): IssuedApiKey {
    const key = createApiKeyString({ env: this.#o.environment });
    const id = uuidv7(now);
    // 256 bits; the server must read it back to verify an HMAC, so it is sealed, not hashed.
    const signingSecret = input.signing
      ? `rms_${randomBytes(32).toString('base64url')}`
      : undefined;
    return {
      key,
      ...(signingSecret ? { signingSecret } : {}),
      record: {
        id,
        signingSecretSealed: signingSecret
          ? this.#o.sealer.seal(signingSecret, sealedContexts.apiKeySigning(id))
          : null,
        ownerKind: owner.kind,
        ownerId: owner.id,
        name: input.name,
        keyHash: hashSecretToken(key),
        displayPrefix: key.slice(0, displayLength),
        scopes: [...new Set(input.scopes)],
        allowedCidrs: [...new Set(input.allowedCidrs)],
        createdBy,
        createdAt: now,
        expiresAt: input.expiresAt,
        revokedAt: null,
        revokedReason: null,
        replacedBy: null,
        graceUntil: null,
        lastUsedAt: null,
        lastUsedIp: null,
        expiryNotifiedAt: null,
      },
    };
  }

  /** Issues a key for `owner`; the key string is in the result and nowhere else. */
  async issue(
    owner: ApiKeyOwner,
    input: {
      name: string;
      scopes: readonly string[];
      allowedCidrs: readonly string[];
      expiresAt: number | null;
      signing?: boolean;
    },
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<IssuedApiKey> {
    const now = this.#now();
    const held = await this.ownerPermissions(owner);
    if (!held) {
      throw owner.kind === 'service_account'
        ? new RampartError(apiKeyErrors.service_account_not_found)
        : new RampartError(apiKeyErrors.scope_not_allowed, { detail: 'The owner is disabled.' });
    }
    this.#checkRequest(owner, held.permissions, input, now);
    const live = (await this.#o.keys.listKeys(owner)).filter((k) => {
      const s = apiKeyStatus(k, now);
      return s === 'active' || s === 'grace';
    });
    if (live.length >= this.#o.policy.maxPerOwner) {
      throw new RampartError(apiKeyErrors.api_key_limit_reached);
    }
    const issued = this.#newRecord(owner, input, actor.id ?? null, now);
    await this.#o.keys.createKey(issued.record);
    await this.#o.events.publish({
      type: 'apikey.created',
      outcome: 'success',
      actor,
      target: { type: 'api_key', id: issued.record.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: {
        owner: { kind: owner.kind, id: owner.id },
        scopes: issued.record.scopes,
        expiresAt: issued.record.expiresAt,
        allowedCidrs: issued.record.allowedCidrs,
        signing: issued.signingSecret !== undefined,
      },
    });
    return issued;
  }

  list(owner: ApiKeyOwner): Promise<ApiKeyRecord[]> {
    return this.#o.keys.listKeys(owner);
  }

  /**
   * The record of the key whose text is `presented`, found by its hash, for an
   * administrator checking a leaked key (the secret scanner's `--verify`). A string
   * without a valid Rampart checksum is never looked up.
   */
  async findByKeyString(presented: string): Promise<ApiKeyRecord> {
    if (!parseApiKeyString(presented).ok) throw new RampartError(apiKeyErrors.api_key_not_found);
    const found = await this.#o.keys.findKeyByHash(hashSecretToken(presented));
    if (!found) throw new RampartError(apiKeyErrors.api_key_not_found);
    return found.key;
  }

  /**
   * The key `id` if `caller` may manage it: its own keys, or any key for an administrator.
   * Anything else is "not found", so ids of other people's keys reveal nothing.
   */
  async getManageable(id: string, caller: { id: string; isAdmin: boolean }): Promise<ApiKeyRecord> {
    const key = await this.#o.keys.findKeyById(id);
    const mine = key?.ownerKind === 'user' && key.ownerId === caller.id;
    if (!key || !(mine || caller.isAdmin)) throw new RampartError(apiKeyErrors.api_key_not_found);
    return key;
  }

  async revoke(
    key: ApiKeyRecord,
    reason: string,
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<void> {
    const revoked = await this.#o.keys.revokeKey(key.id, reason, this.#now());
    await this.#markRevoked(key.id);
    if (!revoked) return;
    await this.#o.events.publish({
      type: 'apikey.revoked',
      outcome: 'success',
      actor,
      target: { type: 'api_key', id: key.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { reason, owner: { kind: key.ownerKind, id: key.ownerId } },
    });
  }

  /**
   * Replaces `old` with a new key of the same owner, name, scopes and networks. The old
   * key keeps working for `graceMs` (default apiKeys.rotationGrace) so deployments can
   * switch over, then dies. A key whose lifetime was limited gets a lifetime as long.
   */
  async rotate(
    old: ApiKeyRecord,
    options: { graceMs?: number },
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<IssuedApiKey> {
    const now = this.#now();
    if (apiKeyStatus(old, now) !== 'active')
      throw new RampartError(apiKeyErrors.api_key_not_rotatable);
    const owner: ApiKeyOwner = { kind: old.ownerKind, id: old.ownerId };
    const held = await this.ownerPermissions(owner);
    if (!held) throw new RampartError(apiKeyErrors.api_key_not_rotatable);
    // Scopes the owner lost since the key was issued are not carried over.
    const scopes = old.scopes.filter((s) => anyCovers(held.permissions, s));
    const expiresAt = old.expiresAt === null ? null : now + (old.expiresAt - old.createdAt);
    const issued = this.#newRecord(
      owner,
      {
        name: old.name,
        scopes,
        allowedCidrs: old.allowedCidrs,
        expiresAt,
        signing: old.signingSecretSealed !== null,
      },
      actor.id ?? null,
      now,
    );
    const graceMs = options.graceMs ?? this.#o.policy.rotationGraceMs;
    const graceUntil = now + graceMs;
    if (!(await this.#o.keys.rotateKey(old.id, issued.record, graceUntil, now))) {
      throw new RampartError(apiKeyErrors.api_key_not_rotatable);
    }
    if (graceMs === 0) await this.#markRevoked(old.id);
    else await this.#changed(old.id);
    await this.#o.events.publish({
      type: 'apikey.rotated',
      outcome: 'success',
      actor,
      target: { type: 'api_key', id: old.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: {
        replacement: issued.record.id,
        graceUntil,
        owner: { kind: owner.kind, id: owner.id },
      },
    });
    return issued;
  }

  /**
   * Emits `apikey.expiring` once per key that expires within apiKeys.expiryNotice. Safe
   * to run on every node: the store hands each key to one caller.
   */
  async announceExpiring(): Promise<ApiKeyRecord[]> {
    const now = this.#now();
    const keys = await this.#o.keys.claimExpiringKeys(now, now + this.#o.policy.expiryNoticeMs);
    for (const key of keys) {
      await this.#o.events.publish({
        type: 'apikey.expiring',
        outcome: 'success',
        actor: { kind: 'system' },
        target: { type: 'api_key', id: key.id },
        details: {
          name: key.name,
          expiresAt: key.expiresAt,
          owner: { kind: key.ownerKind, id: key.ownerId },
        },
      });
    }
    return keys;
  }

  // Service accounts

  async createServiceAccount(
    input: { name: string; description: string | null; roles: RoleName[] },
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<ServiceAccountRecord> {
    const now = this.#now();
    const record: ServiceAccountRecord = {
      id: uuidv7(now),
      name: input.name,
      description: input.description,
      roles: [...new Set(input.roles)],
      createdBy: actor.id ?? null,
      createdAt: now,
      disabledAt: null,
    };
    if (!(await this.#o.serviceAccounts.createServiceAccount(record))) {
      throw new RampartError(apiKeyErrors.service_account_exists);
    }
    await this.#o.events.publish({
      type: 'service_account.created',
      outcome: 'success',
      actor,
      target: { type: 'service_account', id: record.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { name: record.name, roles: record.roles },
    });
    return record;
  }

  listServiceAccounts(): Promise<ServiceAccountRecord[]> {
    return this.#o.serviceAccounts.listServiceAccounts();
  }

  async getServiceAccount(id: string): Promise<ServiceAccountRecord> {
    const sa = await this.#o.serviceAccounts.findServiceAccount(id);
    if (!sa) throw new RampartError(apiKeyErrors.service_account_not_found);
    return sa;
  }

  /** Disables a service account and revokes all its keys, on every node at once. */
  async disableServiceAccount(id: string, actor: EventActor, ctx: RequestContext): Promise<void> {
    const now = this.#now();
    if (!(await this.#o.serviceAccounts.disableServiceAccount(id, now))) {
      throw new RampartError(apiKeyErrors.service_account_not_found);
    }
    const revoked = await this.#o.keys.revokeKeysOf(
      { kind: 'service_account', id },
      'owner_disabled',
      now,
    );
    for (const keyId of revoked) await this.#markRevoked(keyId);
    await this.#o.events.publish({
      type: 'service_account.disabled',
      outcome: 'success',
      actor,
      target: { type: 'service_account', id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { revokedKeys: revoked.length },
    });
  }
}
