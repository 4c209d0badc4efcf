import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { RoleName } from '../../config/schema.js';
import { sealedContexts } from '../../dataprotect/core/associated-data.js';
import type { Sealer } from '../../dataprotect/core/sealer.js';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor } from '../../events/security-event.js';
import {
  createApiKeyString,
  mayBeApiKeyString,
  parseApiKeyString,
} from '../../shared/api-key-string.js';
import { computeSignature, noncePattern } from '../../shared/sign-request.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import type { ExpiringSetStore, PubSub, Unsubscribe } from '../../storage/hot-state.js';
import { apiKeyErrors } from '../api-key-errors.js';
import type {
  ApiKeyOwnerKind,
  ApiKeyRecord,
  ApiKeyStore,
  ServiceAccountRecord,
  ServiceAccountStore,
} from '../api-key-store.js';
import type { AccountCache } from './account-cache.js';
import { type CidrList, cidrList, parseCidr } from './cidr.js';
import { anyCovers, permissionsOfRoles, scopesBeyond } from './permissions.js';
import type { RequestContext } from './request-context.js';
import { hashSecretToken, secretTokenDigest, storedTokenHash } from './secret-token.js';

/** Channel on which a node announces that a key changed; the message is the key id. */
export const apiKeyChangesChannel = 'identity.apikeys';

/** Characters of a key kept for display: the prefix, environment and a few random ones. */
const displayLength = 16;
/** Unknown key hashes remembered briefly, so a flood of made-up keys does not reach the database. */
const negativeTtlMs = 5_000;
/** Last-use timestamps are written at most this often per key and node. */
const touchIntervalMs = 60_000;

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

export interface IssuedApiKey {
  key: string;
  /** The HMAC secret for signed requests, when the key was issued with one. Shown once. */
  signingSecret?: string;
  record: ApiKeyRecord;
}

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

interface CacheEntry {
  record: ApiKeyRecord;
  /** The opened signing secret, when the key has one. */
  signingSecret: string | undefined;
  serviceAccount: ServiceAccountRecord | undefined;
  cidrs: CidrList;
  fetchedAt: number;
  /** The key's member in the hot store's revocation set. */
  revokedMember: string;
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

/** Sets `key`, dropping the oldest entry once the map holds `max`. */
function remember<K, V>(map: Map<K, V>, key: K, value: V, max = 10_000): void {
  if (map.size >= max) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
}

interface HeldPermissions {
  roles: readonly RoleName[];
  permissions: readonly string[];
}

/** What `#ownerPermissionsNow` answers when the owner is not in memory. */
const notInMemory = Symbol('notInMemory');
/** What `#inMemory` answers for a key looked up lately and not found. */
const unknownKey = Symbol('unknownKey');

/** The refusal a string's format calls for (not a key, or a failed checksum), if any. */
function formatRefusal(presented: string): ApiKeyVerification | undefined {
  const parsed = parseApiKeyString(presented);
  if (parsed.ok) return undefined;
  return { ok: false, reason: parsed.reason === 'bad_checksum' ? 'bad_checksum' : 'malformed' };
}

/** The refusal a key's own status calls for (revoked, expired, past its grace), if any. */
function refusalByStatus(key: ApiKeyRecord, now: number): ApiKeyVerification | undefined {
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

/**
 * API keys for people and service accounts: issue, verify, rotate, revoke.
 *
 * Verification is the hot path (every request of a machine client) and costs a parse, one
 * SHA-256 and map lookups: verified keys are kept in memory for `cacheTtl`. Revocation must
 * still hold at once on every node, so a revoked key id also goes into the hot store's
 * revocation set (Redis in a cluster), which is checked on every request; the set entry
 * outlives any node's cached copy, after which the database says "revoked" itself.
 */
export class ApiKeyService {
  readonly #o: ApiKeyServiceOptions;
  readonly #now: () => number;
  /** Verified keys by the SHA-256 digest of their text (`secretTokenDigest`). */
  readonly #cache = new Map<string, CacheEntry>();
  readonly #cacheById = new Map<string, CacheEntry>();
  /** The `#cache` digest of each cached key id. */
  readonly #digestById = new Map<string, string>();
  /** Digests of keys lately looked up and not found, with the time they stay so. */
  readonly #unknown = new Map<string, number>();
  readonly #lastTouch = new Map<string, number>();
  #generation = 0;
  #hits = 0;
  #misses = 0;

  constructor(options: ApiKeyServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Verified keys held, and lookups by key served from memory or the store, for metrics. */
  cacheStats(): { size: number; hits: number; misses: number } {
    return { size: this.#cache.size, hits: this.#hits, misses: this.#misses };
  }

  /** Follows key changes announced by other nodes. */
  follow(): Promise<Unsubscribe> {
    return this.#o.pubsub.subscribe(apiKeyChangesChannel, (id) => this.#invalidate(id));
  }

  #invalidate(id: string): void {
    this.#generation++;
    const digest = this.#digestById.get(id);
    if (digest !== undefined) this.#cache.delete(digest);
    this.#digestById.delete(id);
    this.#cacheById.delete(id);
  }

  async #changed(id: string): Promise<void> {
    this.#invalidate(id);
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
   * The key whose digest is `digest` as memory knows it: its fresh cache entry,
   * `unknownKey` when it was looked up lately and not found, undefined when the store must
   * say.
   */
  #inMemory(digest: string, now: number): CacheEntry | typeof unknownKey | undefined {
    const cached = this.#cache.get(digest);
    if (cached !== undefined && now - cached.fetchedAt < this.#o.policy.cacheTtlMs) {
      this.#hits++;
      return cached;
    }
    const unknownUntil = this.#unknown.get(digest);
    // A remembered unknown key is a hit too: the store is not asked.
    if (unknownUntil !== undefined && unknownUntil > now) {
      this.#hits++;
      return unknownKey;
    }
    return undefined;
  }

  async #fromStore(digest: string, now: number): Promise<CacheEntry | undefined> {
    this.#misses++;
    const generation = this.#generation;
    const found = await this.#o.keys.findKeyByHash(storedTokenHash(digest));
    if (!found) {
      if (this.#unknown.size >= 10_000) this.#unknown.clear();
      this.#unknown.set(digest, now + negativeTtlMs);
      return undefined;
    }
    const entry = this.#newEntry(found.key, found.serviceAccount, now);
    // A change announced while the row was read may not be in what was read.
    if (generation === this.#generation) {
      remember(this.#cache, digest, entry);
      this.#digestById.set(found.key.id, digest);
    }
    return entry;
  }

  #newEntry(
    record: ApiKeyRecord,
    serviceAccount: ServiceAccountRecord | undefined,
    now: number,
  ): CacheEntry {
    return {
      record,
      serviceAccount,
      signingSecret:
        record.signingSecretSealed === null
          ? undefined
          : this.#o.sealer
              .open(record.signingSecretSealed, sealedContexts.apiKeySigning(record.id))
              .toString('utf8'),
      cidrs: cidrList(record.allowedCidrs),
      fetchedAt: now,
      revokedMember: `revoked:apikey:${record.id}`,
    };
  }

  async #entryById(id: string, now: number): Promise<CacheEntry | undefined> {
    const cached = this.#cacheById.get(id);
    if (cached && now - cached.fetchedAt < this.#o.policy.cacheTtlMs) return cached;
    const generation = this.#generation;
    const found = await this.#o.keys.findKeyWithOwnerById(id);
    if (!found) return undefined;
    const entry = this.#newEntry(found.key, found.serviceAccount, now);
    if (generation === this.#generation) {
      remember(this.#cacheById, id, entry);
    }
    return entry;
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
    const entry = await this.#entryById(input.keyId, now);
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
    let entry = digest === undefined ? undefined : this.#inMemory(digest, now);
    if (entry === undefined) {
      const refused = formatRefusal(presented);
      if (refused !== undefined || digest === undefined)
        return refused ?? { ok: false, reason: 'malformed' };
      entry = await this.#fromStore(digest, now);
    }
    if (entry === undefined || entry === unknownKey) return { ok: false, reason: 'unknown' };
    return this.#check(entry, now, ip);
  }

  async #check(
    entry: CacheEntry,
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
    const entry = mayBeApiKeyString(presented)
      ? this.#cache.get(secretTokenDigest(presented))
      : undefined;
    if (entry === undefined) return formatRefusal(presented);
    if (now - entry.fetchedAt >= this.#o.policy.cacheTtlMs) return undefined;
    const result = this.#checkNow(entry, now, ip, hasNow);
    if (result !== undefined) this.#hits++;
    return result;
  }

  /** `#check` from memory, or undefined when the owner is not in memory. */
  #checkNow(
    entry: CacheEntry,
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
    entry: CacheEntry,
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
