import { RampartError } from '../errors/rampart-error.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { EventActor } from '../events/security-event.js';
import type { RequestContext } from '../identity/core/request-context.js';
import type { PubSub } from '../storage/hot-state.js';
import type { AuthzEngine } from './engine.js';
import { authzErrors, policyProblem } from './errors.js';
import { type Grant, type Policy, PolicyError } from './model.js';
import type { AuthzPolicyStore, StoredGrant, StoredPolicy, StoredRole } from './store.js';
import { compileOrProblem, grantJson, isBuiltIn, roleJson, toPolicy } from './stored-policy.js';

/** Channel on which a node announces that the stored policy changed. */
export const policyChangesChannel = 'authz.policy';

export interface PolicyChangesOptions {
  store: AuthzPolicyStore;
  pubsub: PubSub;
  events: EventPublisher;
  /** From config: `authz.environment`. */
  environmentAccess: Policy['environmentAccess'];
  /** The engine in force on this node (its roles are the ones a principal may be assigned). */
  engine: () => AuthzEngine;
  /** Loads the stored policy into this node after a change. */
  reload: () => Promise<void>;
  now: () => number;
}

/**
 * Changes to the stored policy: custom roles, grants and role assignments. Each change
 * is validated by compiling the policy it would produce (a cycle or an unknown role is
 * refused before anything is written), stored, loaded here and announced on
 * {@link policyChangesChannel} so every node reloads at once, and recorded as
 * `authz.policy.changed` with the before and after.
 *
 * @example
 * const changes = new PolicyChanges({ store, pubsub, events, environmentAccess: undefined,
 *   engine: () => service.engine, reload: () => service.reload(), now: Date.now });
 * await changes.putRole({ name: 'billing', description: null, inherits: ['VIEWER'],
 *   permissions: ['invoices:read'] }, actor, ctx);
 */
export class PolicyChanges {
  readonly #o: PolicyChangesOptions;

  constructor(options: PolicyChangesOptions) {
    this.#o = options;
  }

  async #changed(
    actor: EventActor,
    ctx: RequestContext,
    what: { kind: 'role' | 'grant' | 'assignment'; id: string; op: string },
    before: unknown,
    after: unknown,
  ): Promise<void> {
    await this.#o.reload();
    await this.#o.pubsub.publish(policyChangesChannel, what.id);
    await this.#o.events.publish({
      type: 'authz.policy.changed',
      outcome: 'success',
      actor,
      target: { type: `authz_${what.kind}`, id: what.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { change: what.op, before: before ?? null, after: after ?? null },
    });
  }

  /** Refuses a change whose resulting policy does not compile (cycle, unknown role, …). */
  #validate(next: StoredPolicy): void {
    compileOrProblem(toPolicy(next, this.#o.environmentAccess));
  }

  async putRole(
    input: { name: string; description: string | null; inherits: string[]; permissions: string[] },
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<StoredRole> {
    if (isBuiltIn(input.name)) throw new RampartError(authzErrors.authz_role_builtin);
    const current = await this.#o.store.load();
    const before = current.roles.find((r) => r.name === input.name);
    const now = this.#o.now();
    const role: StoredRole = {
      name: input.name,
      description: input.description,
      inherits: [...new Set(input.inherits)],
      permissions: [...new Set(input.permissions)],
      createdAt: before?.createdAt ?? now,
      updatedAt: now,
    };
    this.#validate({
      ...current,
      roles: [...current.roles.filter((r) => r.name !== role.name), role],
    });
    await this.#o.store.putRole(role);
    await this.#changed(
      actor,
      ctx,
      { kind: 'role', id: role.name, op: before ? 'updated' : 'created' },
      before ? roleJson(before) : null,
      roleJson(role),
    );
    return role;
  }

  async deleteRole(name: string, actor: EventActor, ctx: RequestContext): Promise<void> {
    if (isBuiltIn(name)) throw new RampartError(authzErrors.authz_role_builtin);
    const current = await this.#o.store.load();
    const before = current.roles.find((r) => r.name === name);
    if (!before) throw new RampartError(authzErrors.authz_role_not_found);
    // Roles inheriting it or grants to it would be left dangling: refused (unknown_role).
    this.#validate({
      ...current,
      roles: current.roles.filter((r) => r.name !== name),
      assignments: current.assignments.filter((a) => a.role !== name),
    });
    if (!(await this.#o.store.deleteRole(name)))
      throw new RampartError(authzErrors.authz_role_not_found);
    await this.#changed(
      actor,
      ctx,
      { kind: 'role', id: name, op: 'deleted' },
      {
        ...roleJson(before),
        assignedTo: current.assignments.filter((a) => a.role === name).map((a) => a.principalId),
      },
      null,
    );
  }

  async addGrant(grant: Grant, actor: EventActor, ctx: RequestContext): Promise<StoredGrant> {
    const current = await this.#o.store.load();
    if (current.grants.some((g) => g.id === grant.id))
      throw new RampartError(authzErrors.authz_grant_exists);
    const stored: StoredGrant = { ...grant, createdBy: actor.id ?? null, createdAt: this.#o.now() };
    this.#validate({ ...current, grants: [...current.grants, stored] });
    if (!(await this.#o.store.addGrant(stored)))
      throw new RampartError(authzErrors.authz_grant_exists);
    await this.#changed(
      actor,
      ctx,
      { kind: 'grant', id: stored.id, op: 'created' },
      null,
      grantJson(stored),
    );
    return stored;
  }

  async deleteGrant(id: string, actor: EventActor, ctx: RequestContext): Promise<void> {
    const current = await this.#o.store.load();
    const before = current.grants.find((g) => g.id === id);
    if (!before || !(await this.#o.store.deleteGrant(id)))
      throw new RampartError(authzErrors.authz_grant_not_found);
    await this.#changed(actor, ctx, { kind: 'grant', id, op: 'deleted' }, grantJson(before), null);
  }

  /**
   * Replaces the roles assigned to a principal (built-in or custom). They add to the roles
   * the account holds from registration or invitation.
   */
  async setAssignments(
    principalId: string,
    roles: readonly string[],
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<readonly string[]> {
    const unique = [...new Set(roles)].sort();
    const known = new Set(this.#o.engine().roles);
    const current = await this.#o.store.load();
    for (const r of current.roles) known.add(r.name);
    const unknown = unique.find((r) => !known.has(r));
    if (unknown !== undefined)
      throw policyProblem(new PolicyError('unknown_role', `unknown role ${unknown}`));
    const before = current.assignments
      .filter((a) => a.principalId === principalId)
      .map((a) => a.role);
    await this.#o.store.setAssignments(principalId, unique, actor.id ?? null, this.#o.now());
    await this.#changed(
      actor,
      ctx,
      { kind: 'assignment', id: principalId, op: 'replaced' },
      { principalId, roles: before },
      { principalId, roles: unique },
    );
    return unique;
  }
}
