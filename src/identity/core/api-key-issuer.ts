import { randomBytes } from 'node:crypto';
import { sealedContexts } from '../../dataprotect/core/associated-data.js';
import type { Sealer } from '../../dataprotect/core/sealer.js';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor } from '../../events/security-event.js';
import { createApiKeyString } from '../../shared/api-key-string.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import { apiKeyErrors } from '../api-key-errors.js';
import type { ApiKeyRecord, ApiKeyStore } from '../api-key-store.js';
import type { ApiKeyChanges } from './api-key-changes.js';
import { type ApiKeyOwner, apiKeyStatus } from './api-key-verification.js';
import type { HeldPermissions } from './api-key-verifier.js';
import { parseCidr } from './cidr.js';
import { anyCovers, scopesBeyond } from './permissions.js';
import type { RequestContext } from './request-context.js';
import { hashSecretToken } from './secret-token.js';

/** Characters of a key kept for display: the prefix, environment and a few random ones. */
const displayLength = 16;

export interface IssuedApiKey {
  key: string;
  /** The HMAC secret for signed requests, when the key was issued with one. Shown once. */
  signingSecret?: string;
  record: ApiKeyRecord;
}

/** What a caller asks for when a key is issued. */
export interface ApiKeyRequest {
  name: string;
  scopes: readonly string[];
  allowedCidrs: readonly string[];
  expiresAt: number | null;
  /** Issue an HMAC signing secret with the key, for signed requests. */
  signing?: boolean;
}

export interface ApiKeyIssuerOptions {
  keys: ApiKeyStore;
  events: EventPublisher;
  sealer: Sealer;
  /** Announces a rotated key's change, or its revocation when it gets no grace. */
  changes: ApiKeyChanges;
  /** `<env>` of issued keys (`dev`, `stg`, `prod`). */
  environment: string;
  policy: { rotationGraceMs: number; maxPerOwner: number };
  /** The permissions an owner holds now; undefined when the owner is gone or disabled. */
  ownerPermissions: (owner: ApiKeyOwner) => Promise<HeldPermissions | undefined>;
  now: () => number;
}

/**
 * Issuing API keys and rotating them: the checks on what is asked for (scopes the owner
 * holds, networks, expiry, keys per owner), the new record with its hashed key and
 * sealed signing secret, and the `apikey.created` / `apikey.rotated` events.
 *
 * @example
 * const issuer = new ApiKeyIssuer({ keys, events, sealer, changes, environment: 'prod',
 *   policy: { rotationGraceMs: 86_400_000, maxPerOwner: 20 }, ownerPermissions, now: Date.now });
 * const { key } = await issuer.issue(owner, { name: 'ci', scopes: ['apikeys:read'],
 *   allowedCidrs: [], expiresAt: null }, actor, ctx);
 */
export class ApiKeyIssuer {
  readonly #o: ApiKeyIssuerOptions;

  constructor(options: ApiKeyIssuerOptions) {
    this.#o = options;
  }

  /** Issues a key for `owner`; the key string is in the result and nowhere else. */
  async issue(
    owner: ApiKeyOwner,
    input: ApiKeyRequest,
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<IssuedApiKey> {
    const now = this.#o.now();
    const held = await this.#o.ownerPermissions(owner);
    if (!held) {
      throw owner.kind === 'service_account'
        ? new RampartError(apiKeyErrors.service_account_not_found)
        : new RampartError(apiKeyErrors.scope_not_allowed, { detail: 'The owner is disabled.' });
    }
    checkRequest(owner, held.permissions, input, now);
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
    const now = this.#o.now();
    if (apiKeyStatus(old, now) !== 'active')
      throw new RampartError(apiKeyErrors.api_key_not_rotatable);
    const owner: ApiKeyOwner = { kind: old.ownerKind, id: old.ownerId };
    const held = await this.#o.ownerPermissions(owner);
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
    if (graceMs === 0) await this.#o.changes.markRevoked(old.id);
    else await this.#o.changes.changed(old.id);
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

  #newRecord(
    owner: ApiKeyOwner,
    input: ApiKeyRequest,
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
}

/** Refuses scopes the owner does not hold, malformed networks and an expiry in the past. */
function checkRequest(
  owner: ApiKeyOwner,
  held: readonly string[],
  input: ApiKeyRequest,
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
