import type { RoleName } from '../../config/schema.js';
import type { Sealer } from '../../dataprotect/core/sealer.js';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor } from '../../events/security-event.js';
import { parseApiKeyString } from '../../shared/api-key-string.js';
import type { ExpiringSetStore, PubSub, Unsubscribe } from '../../storage/hot-state.js';
import { apiKeyErrors } from '../api-key-errors.js';
import type {
  ApiKeyRecord,
  ApiKeyStore,
  ServiceAccountRecord,
  ServiceAccountStore,
} from '../api-key-store.js';
import type { AccountCache } from './account-cache.js';
import { ApiKeyChanges } from './api-key-changes.js';
import { ApiKeyIssuer, type ApiKeyRequest, type IssuedApiKey } from './api-key-issuer.js';
import type {
  ApiKeyOwner,
  ApiKeyVerification,
  SignedRequestInput,
  SignedRequestVerification,
  SignedWithInput,
} from './api-key-verification.js';
import { ApiKeyVerifier, type HeldPermissions } from './api-key-verifier.js';
import type { RequestContext } from './request-context.js';
import { hashSecretToken } from './secret-token.js';
import { ServiceAccountService } from './service-account-service.js';

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
 * The one object callers hold; each step lives in its own file: verification (the hot
 * path) in api-key-verifier.ts, issuance and rotation in api-key-issuer.ts, service
 * accounts in service-account-service.ts, and telling every node of a change in
 * api-key-changes.ts. A revoked key id goes into the hot store's revocation set (Redis in
 * a cluster), checked on every request; the set entry outlives any node's cached copy,
 * after which the database says "revoked" itself.
 *
 * @example
 * const apiKeys = new ApiKeyService({ keys, serviceAccounts, accounts, sets, pubsub,
 *   events, sealer, environment: 'prod', policy });
 * const stop = await apiKeys.follow();
 * const { key } = await apiKeys.issue(owner, request, actor, ctx);
 * const verification = await apiKeys.verify(key, '203.0.113.7');
 */
export class ApiKeyService {
  readonly #o: ApiKeyServiceOptions;
  readonly #now: () => number;
  readonly #verifier: ApiKeyVerifier;
  readonly #changes: ApiKeyChanges;
  readonly #issuer: ApiKeyIssuer;
  readonly #serviceAccounts: ServiceAccountService;

  constructor(options: ApiKeyServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#verifier = new ApiKeyVerifier({ ...options, now: this.#now });
    this.#changes = new ApiKeyChanges({
      cache: this.#verifier.cache,
      sets: options.sets,
      pubsub: options.pubsub,
      cacheTtlMs: options.policy.cacheTtlMs,
    });
    this.#issuer = new ApiKeyIssuer({
      keys: options.keys,
      events: options.events,
      sealer: options.sealer,
      changes: this.#changes,
      environment: options.environment,
      policy: options.policy,
      ownerPermissions: (owner) => this.ownerPermissions(owner),
      now: this.#now,
    });
    this.#serviceAccounts = new ServiceAccountService({
      serviceAccounts: options.serviceAccounts,
      keys: options.keys,
      changes: this.#changes,
      events: options.events,
      now: this.#now,
    });
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
    return this.#changes.follow();
  }

  /** Issues a key for `owner` (see ApiKeyIssuer.issue). */
  issue(
    owner: ApiKeyOwner,
    input: ApiKeyRequest,
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<IssuedApiKey> {
    return this.#issuer.issue(owner, input, actor, ctx);
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
    await this.#changes.markRevoked(key.id);
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

  /** Replaces `old` with a new key, the old one kept for a grace (see ApiKeyIssuer.rotate). */
  rotate(
    old: ApiKeyRecord,
    options: { graceMs?: number },
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<IssuedApiKey> {
    return this.#issuer.rotate(old, options, actor, ctx);
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

  // Service accounts (see ServiceAccountService)

  createServiceAccount(
    input: { name: string; description: string | null; roles: RoleName[] },
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<ServiceAccountRecord> {
    return this.#serviceAccounts.create(input, actor, ctx);
  }

  listServiceAccounts(): Promise<ServiceAccountRecord[]> {
    return this.#serviceAccounts.list();
  }

  getServiceAccount(id: string): Promise<ServiceAccountRecord> {
    return this.#serviceAccounts.get(id);
  }

  /** Disables a service account and revokes all its keys, on every node at once. */
  disableServiceAccount(id: string, actor: EventActor, ctx: RequestContext): Promise<void> {
    return this.#serviceAccounts.disable(id, actor, ctx);
  }
}
