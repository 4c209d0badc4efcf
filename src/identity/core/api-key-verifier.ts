import { timingSafeEqual } from 'node:crypto';
import type { RoleName } from '../../config/schema.js';
import type { Sealer } from '../../dataprotect/core/sealer.js';
import { mayBeApiKeyString } from '../../shared/api-key-string.js';
import { computeSignature, noncePattern } from '../../shared/sign-request.js';
import type { ExpiringSetStore } from '../../storage/hot-state.js';
import type { ApiKeyStore, ServiceAccountRecord, ServiceAccountStore } from '../api-key-store.js';
import type { AccountCache } from './account-cache.js';
import { ApiKeyCache, type CachedApiKey, unknownKey } from './api-key-cache.js';
import {
  type ApiKeyOwner,
  type ApiKeyVerification,
  formatRefusal,
  refusalByStatus,
  type SignedRequestInput,
  type SignedRequestVerification,
  type SignedWithInput,
} from './api-key-verification.js';
import { permissionsOfRoles } from './permissions.js';
import { secretTokenDigest } from './secret-token.js';

/** Last-use timestamps are written at most this often per key and node. */
const touchIntervalMs = 60_000;

export interface ApiKeyVerifierOptions {
  keys: ApiKeyStore;
  serviceAccounts: ServiceAccountStore;
  accounts: AccountCache;
  sets: ExpiringSetStore;
  sealer: Sealer;
  policy: {
    cacheTtlMs: number;
    /** Seconds a signed request's timestamp may be away from this node's clock. */
    signatureMaxSkewSeconds: number;
  };
  /** The permissions an owner's roles hold; default: the built-in roles' permissions. */
  permissionsOf?: ((ownerId: string, roles: readonly RoleName[]) => readonly string[]) | undefined;
  onBackgroundError?: ((error: unknown) => void) | undefined;
  now: () => number;
}

export interface HeldPermissions {
  roles: readonly RoleName[];
  permissions: readonly string[];
}

/** What `#ownerPermissionsNow` answers when the owner is not in memory. */
const notInMemory = Symbol('notInMemory');

/**
 * Verification of API keys, the hot path (every request of a machine client): a presented
 * key costs one SHA-256 and map lookups once it is in memory (`ApiKeyCache`, for
 * `cacheTtl`). Revocation must still hold at once on every node, so a revoked key id is
 * also in the hot store's revocation set (Redis in a cluster), checked on every request.
 */
export class ApiKeyVerifier {
  readonly #o: ApiKeyVerifierOptions;
  readonly #now: () => number;
  readonly #cache: ApiKeyCache;
  readonly #lastTouch = new Map<string, number>();

  constructor(options: ApiKeyVerifierOptions) {
    this.#o = options;
    this.#now = options.now;
    this.#cache = new ApiKeyCache({
      keys: options.keys,
      sealer: options.sealer,
      ttlMs: options.policy.cacheTtlMs,
    });
  }

  /** The keys held in memory (their stats, and dropping a changed key). */
  get cache(): ApiKeyCache {
    return this.#cache;
  }

  #permissionsOf(ownerId: string, roles: readonly RoleName[]): readonly string[] {
    return this.#o.permissionsOf
      ? this.#o.permissionsOf(ownerId, roles)
      : permissionsOfRoles(roles);
  }

  /** The permissions an owner holds now; undefined when the owner is gone or disabled. */
  async ownerPermissions(
    owner: ApiKeyOwner,
    serviceAccount?: ServiceAccountRecord,
  ): Promise<HeldPermissions | undefined> {
    if (owner.kind === 'user') {
      const account = await this.#o.accounts.get(owner.id);
      if (account?.status !== 'active') return undefined;
      return { roles: account.roles, permissions: this.#permissionsOf(owner.id, account.roles) };
    }
    const sa = serviceAccount ?? (await this.#o.serviceAccounts.findServiceAccount(owner.id));
    if (!sa || sa.disabledAt !== null) return undefined;
    return { roles: sa.roles, permissions: this.#permissionsOf(owner.id, sa.roles) };
  }

  /**
   * Checks a signed request (src/shared/sign-request.ts): the key is valid for `ip`, the
   * timestamp is within the allowed skew, the HMAC matches (compared in constant time)
   * and, only then, the nonce is new on every node. A nonce is recorded only for a
   * correctly signed request, so nobody without the secret can burn nonces.
   */
  async verifySigned(input: SignedRequestInput): Promise<SignedRequestVerification> {
    return this.verifySignedWith({
      keyId: input.keyId,
      timestamp: input.timestamp,
      nonce: input.nonce,
      ip: input.ip,
      macMatches: (secret) => {
        const expected = Buffer.from(computeSignature(secret, input), 'utf8');
        const given = Buffer.from(input.signature, 'utf8');
        return expected.length === given.length && timingSafeEqual(expected, given);
      },
    });
  }

  /**
   * The checks every signature scheme shares (the X-Signature lines and RFC 9421): key id
   * and nonce shapes, the timestamp window, the MAC (`macMatches`, given the key's
   * signing secret), the key's validity for `ip`, and last the nonce's novelty.
   */
  async verifySignedWith(input: SignedWithInput): Promise<SignedRequestVerification> {
    const now = this.#now();
    if (!/^[0-9a-f-]{36}$/.test(input.keyId) || !noncePattern.test(input.nonce)) {
      return { ok: false, reason: 'signature_invalid' };
    }
    if (!/^\d{1,12}$/.test(input.timestamp)) return { ok: false, reason: 'signature_invalid' };
    const skewMs = this.#o.policy.signatureMaxSkewSeconds * 1000;
    if (Math.abs(Number(input.timestamp) * 1000 - now) > skewMs) {
      return { ok: false, reason: 'signature_expired', keyId: input.keyId };
    }
    const entry = await this.#cache.byId(input.keyId, now);
    if (!entry?.signingSecret) return { ok: false, reason: 'signature_invalid' };
    if (!input.macMatches(entry.signingSecret)) {
      return { ok: false, reason: 'signature_invalid', keyId: input.keyId };
    }
    const checked = await this.#check(entry, now, input.ip);
    if (!checked.ok) return checked;
    // Remembered for twice the skew: any timestamp still accepted is inside that span.
    const fresh = await this.#o.sets.add(`nonce:${input.keyId}:${input.nonce}`, 2 * skewMs);
    if (!fresh) return { ok: false, reason: 'signature_replayed', keyId: input.keyId };
    return checked;
  }

  /**
   * Checks a presented key string for a request from `ip`. Without `ip` (introspection on
   * behalf of another service) the network restriction is not applied and no use is
   * recorded; the caller gets `allowedCidrs` to apply itself.
   *
   * The format (shape and checksum) is checked only for a key memory does not know: a
   * string whose SHA-256 is in the cache or among the recent unknown keys was parsed when
   * it got there, and only the same string has the same hash. Every key thus gets the
   * answer it got with the parse first, without a regular expression and a CRC-32 on every
   * request.
   */
  async verify(presented: string, ip?: string): Promise<ApiKeyVerification> {
    const now = this.#now();
    // No memo from presented strings to their hashes: it would keep thousands of API keys
    // in clear in the heap (a heap or core dump would hold them). The one-shot SHA-256
    // costs under a microsecond.
    const digest = mayBeApiKeyString(presented) ? secretTokenDigest(presented) : undefined;
    let entry = digest === undefined ? undefined : this.#cache.inMemory(digest, now);
    if (entry === undefined) {
      const refused = formatRefusal(presented);
      if (refused !== undefined || digest === undefined)
        return refused ?? { ok: false, reason: 'malformed' };
      entry = await this.#cache.fromStore(digest, now);
    }
    if (entry === undefined || entry === unknownKey) return { ok: false, reason: 'unknown' };
    return this.#check(entry, now, ip);
  }

  async #check(
    entry: CachedApiKey,
    now: number,
    ip: string | undefined,
  ): Promise<ApiKeyVerification> {
    const refused = refusalByStatus(entry.record, now);
    if (refused) return refused;
    if (await this.#o.sets.has(entry.revokedMember)) {
      return { ok: false, reason: 'revoked', keyId: entry.record.id };
    }
    const owner: ApiKeyOwner = { kind: entry.record.ownerKind, id: entry.record.ownerId };
    return this.#accept(
      entry,
      owner,
      await this.ownerPermissions(owner, entry.serviceAccount),
      now,
      ip,
    );
  }

  /**
   * {@link verify} without a promise when every part of the decision is in memory: the key
   * in the cache, the revocation set in this process (the memory hot store), the owner in
   * the account cache (or the key's service account). Undefined when any part needs I/O
   * (a miss, a Redis hot store): then `verify` decides. Runs the same checks in the same
   * order, on every request.
   */
  verifyNow(presented: string, ip?: string): ApiKeyVerification | undefined {
    const hasNow = this.#o.sets.hasNow;
    if (hasNow === undefined) return undefined;
    const now = this.#now();
    // As in `verify`: the format matters only for a key the cache does not hold.
    const digest = mayBeApiKeyString(presented) ? secretTokenDigest(presented) : undefined;
    const entry = digest === undefined ? undefined : this.#cache.fresh(digest, now);
    // Not in memory (or stale): a bad format is refused here, anything else needs the store.
    if (entry === undefined) return formatRefusal(presented);
    const result = this.#checkNow(entry, now, ip, hasNow);
    if (result !== undefined) this.#cache.hit();
    return result;
  }

  /** `#check` from memory, or undefined when the owner is not in memory. */
  #checkNow(
    entry: CachedApiKey,
    now: number,
    ip: string | undefined,
    hasNow: (member: string) => boolean,
  ): ApiKeyVerification | undefined {
    const refused = refusalByStatus(entry.record, now);
    if (refused) return refused;
    if (hasNow(entry.revokedMember))
      return { ok: false, reason: 'revoked', keyId: entry.record.id };
    const owner: ApiKeyOwner = { kind: entry.record.ownerKind, id: entry.record.ownerId };
    const held = this.#ownerPermissionsNow(owner, entry.serviceAccount);
    if (held === notInMemory) return undefined;
    return this.#accept(entry, owner, held, now, ip);
  }

  /** {@link ownerPermissions} from memory, or `notInMemory` when it needs the store. */
  #ownerPermissionsNow(
    owner: ApiKeyOwner,
    serviceAccount: ServiceAccountRecord | undefined,
  ): HeldPermissions | undefined | typeof notInMemory {
    if (owner.kind === 'user') {
      const account = this.#o.accounts.getNow(owner.id);
      if (account === undefined) return notInMemory;
      if (account.status !== 'active') return undefined;
      return { roles: account.roles, permissions: this.#permissionsOf(owner.id, account.roles) };
    }
    if (serviceAccount === undefined) return notInMemory;
    if (serviceAccount.disabledAt !== null) return undefined;
    return {
      roles: serviceAccount.roles,
      permissions: this.#permissionsOf(owner.id, serviceAccount.roles),
    };
  }

  /** The end of every check: the owner's standing, the networks, then the verified key. */
  #accept(
    entry: CachedApiKey,
    owner: ApiKeyOwner,
    held: HeldPermissions | undefined,
    now: number,
    ip: string | undefined,
  ): ApiKeyVerification {
    const key = entry.record;
    if (!held) return { ok: false, reason: 'owner_disabled', keyId: key.id };
    if (ip !== undefined) {
      if (!entry.cidrs.allows(ip)) return { ok: false, reason: 'source_denied', keyId: key.id };
      this.#touch(key.id, now, ip);
    }
    return {
      ok: true,
      key: {
        keyId: key.id,
        owner,
        scopes: key.scopes,
        ownerRoles: held.roles,
        ownerPermissions: held.permissions,
        expiresAt: key.expiresAt,
        createdAt: key.createdAt,
        allowedCidrs: key.allowedCidrs,
        name: key.name,
      },
    };
  }

  #touch(id: string, now: number, ip: string): void {
    const last = this.#lastTouch.get(id);
    if (last !== undefined && now - last < touchIntervalMs) return;
    if (this.#lastTouch.size >= 10_000) this.#lastTouch.clear();
    this.#lastTouch.set(id, now);
    this.#o.keys
      .touchKey(id, now, ip)
      .catch((error: unknown) => this.#o.onBackgroundError?.(error));
  }
}
