import type { RoleName } from '../../config/schema.js';
import { RampartError } from '../../errors/rampart-error.js';
import type { EventPublisher } from '../../events/event-bus.js';
import type { EventActor } from '../../events/security-event.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import { apiKeyErrors } from '../api-key-errors.js';
import type { ApiKeyStore, ServiceAccountRecord, ServiceAccountStore } from '../api-key-store.js';
import type { ApiKeyChanges } from './api-key-changes.js';
import type { RequestContext } from './request-context.js';

export interface ServiceAccountServiceOptions {
  serviceAccounts: ServiceAccountStore;
  /** The keys store, to revoke a disabled account's keys. */
  keys: ApiKeyStore;
  /** Announces each revoked key to every node. */
  changes: ApiKeyChanges;
  events: EventPublisher;
  now: () => number;
}

/**
 * Service accounts, the owners of machine clients' API keys: create, list, read, and
 * disable, which revokes every key of the account on every node at once.
 *
 * @example
 * const accounts = new ServiceAccountService({ serviceAccounts, keys, changes, events,
 *   now: Date.now });
 * const sa = await accounts.create({ name: 'ci', description: null, roles: ['VIEWER'] },
 *   actor, ctx);
 * await accounts.disable(sa.id, actor, ctx);
 */
export class ServiceAccountService {
  readonly #o: ServiceAccountServiceOptions;

  constructor(options: ServiceAccountServiceOptions) {
    this.#o = options;
  }

  async create(
    input: { name: string; description: string | null; roles: RoleName[] },
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<ServiceAccountRecord> {
    const now = this.#o.now();
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

  list(): Promise<ServiceAccountRecord[]> {
    return this.#o.serviceAccounts.listServiceAccounts();
  }

  async get(id: string): Promise<ServiceAccountRecord> {
    const sa = await this.#o.serviceAccounts.findServiceAccount(id);
    if (!sa) throw new RampartError(apiKeyErrors.service_account_not_found);
    return sa;
  }

  /** Disables a service account and revokes all its keys, on every node at once. */
  async disable(id: string, actor: EventActor, ctx: RequestContext): Promise<void> {
    const now = this.#o.now();
    if (!(await this.#o.serviceAccounts.disableServiceAccount(id, now))) {
      throw new RampartError(apiKeyErrors.service_account_not_found);
    }
    const revoked = await this.#o.keys.revokeKeysOf(
      { kind: 'service_account', id },
      'owner_disabled',
      now,
    );
    for (const keyId of revoked) await this.#o.changes.markRevoked(keyId);
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
