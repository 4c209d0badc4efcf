import { RampartError } from '../errors/rampart-error.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { EventActor } from '../events/security-event.js';
import type { RequestContext } from '../identity/core/request-context.js';
import type { PubSub, Unsubscribe } from '../storage/hot-state.js';
import type { Authorizer } from './authorizer.js';
import { type AuthzEngine, compile } from './engine.js';
import { authzErrors, policyProblem } from './errors.js';
import {
  type AuthzContext,
  type AuthzPrincipal,
  type AuthzResource,
  builtInRoles,
  type Decision,
  type Environment,
  type Grant,
  type Policy,
  PolicyError,
} from './model.js';
import type { AuthzPolicyStore, StoredGrant, StoredPolicy, StoredRole } from './store.js';

/** Channel on which a node announces that the stored policy changed. */
export const policyChangesChannel = 'authz.policy';
const reloadIntervalMs = 30_000;

export interface PolicyServiceOptions {
  store: AuthzPolicyStore;
  pubsub: PubSub;
  events: EventPublisher;
  /** From config: `authz.environment`. */
  environmentAccess: Policy['environmentAccess'];
  onBackgroundError?: (error: unknown) => void;
  now?: () => number;
}

interface Compiled {
  stored: StoredPolicy;
  policy: Policy;
  engine: AuthzEngine;
  /** Assigned roles by principal id. */
  assigned: Map<string, readonly string[]>;
}

const isBuiltIn = (name: string) => (builtInRoles as readonly string[]).includes(name);

function toPolicy(stored: StoredPolicy, env: Policy['environmentAccess']): Policy {
  return {
    roles: stored.roles.map((r) => ({
      name: r.name,
      inherits: r.inherits,
      permissions: r.permissions,
    })),
    grants: stored.grants,
    ...(env ? { environmentAccess: env } : {}),
  };
}

function compileOrProblem(policy: Policy): AuthzEngine {
  try {
    return compile(policy);
  } catch (error) {
    if (error instanceof PolicyError) throw policyProblem(error);
    throw error;
  }
}

/** A grant as the API shows it (and as events record it). */
export function grantJson(g: StoredGrant) {
  return {
    id: g.id,
    subject: g.subject.kind === 'role' ? { role: g.subject.name } : { principal: g.subject.id },
    resourceType: g.resourceType,
    resourceId: g.resourceId,
    actions: [...g.actions],
    effect: g.effect,
    ...(g.conditions ? { conditions: g.conditions } : {}),
    createdBy: g.createdBy,
    createdAt: new Date(g.createdAt).toISOString(),
  };
}

export function roleJson(r: StoredRole) {
  return {
    name: r.name,
    description: r.description,
    inherits: [...r.inherits],
    permissions: [...r.permissions],
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

/**
 * The stored policy, compiled and in force on this node. Every change is validated by
 * compiling the policy it would produce (a cycle or an unknown role is refused before
 * anything is written), stored, announced on pub/sub so every node reloads at once (and
 * every 30 s, in case a message is lost), and recorded as `authz.policy.changed` with
 * the before and after.
 */
export class PolicyService implements Authorizer {
  readonly #o: PolicyServiceOptions;
  readonly #now: () => number;
  #current: Compiled;
  /** Merged role lists per principal with assignments, remembered until the policy changes. */
  #merged = new Map<string, { from: readonly string[]; roles: readonly string[] }>();
  #loadsStarted = 0;
  #installedLoad = 0;

  constructor(options: PolicyServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#current = this.#build({ roles: [], grants: [], assignments: [] });
  }

  #build(stored: StoredPolicy): Compiled {
    const policy = toPolicy(stored, this.#o.environmentAccess);
    const engine = compileOrProblem(policy);
    const lists = new Map<string, string[]>();
    for (const a of stored.assignments) {
      const list = lists.get(a.principalId);
      if (list) list.push(a.role);
      else lists.set(a.principalId, [a.role]);
    }
    return { stored, policy, engine, assigned: lists };
  }

  async start(): Promise<Unsubscribe> {
    await this.reload();
    const reload = () => {
      this.reload().catch((error: unknown) => this.#o.onBackgroundError?.(error));
    };
    const unsubscribe = await this.#o.pubsub.subscribe(policyChangesChannel, reload);
    const timer = setInterval(reload, reloadIntervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await unsubscribe();
    };
  }

  /** Loads and compiles the stored policy; a policy that no longer compiles keeps the previous one. */
  async reload(): Promise<void> {
    // Reloads overlap (a change here, a message from another node, the timer): a load
    // that started earlier read an older policy, so it never replaces a later one.
    const seq = ++this.#loadsStarted;
    const next = this.#build(await this.#o.store.load());
    if (seq < this.#installedLoad) return;
    this.#installedLoad = seq;
    this.#current = next;
    this.#merged = new Map();
  }

  get stored(): StoredPolicy {
    return this.#current.stored;
  }

  get policy(): Policy {
    return this.#current.policy;
  }

  get engine(): AuthzEngine {
    return this.#current.engine;
  }

  decide(
    principal: AuthzPrincipal,
    action: string,
    resource: AuthzResource,
    context?: AuthzContext,
  ): Decision {
    return this.#current.engine.decide(principal, action, resource, context);
  }

  holdsRole(roles: readonly string[], role: string): boolean {
    return this.#current.engine.holdsRole(roles, role);
  }

  rolesOf(principalId: string, roles: readonly string[]): readonly string[] {
    const assigned = this.#current.assigned.get(principalId);
    if (!assigned) return roles;
    const known = this.#merged.get(principalId);
    if (known && known.from === roles) return known.roles;
    const merged = Object.freeze([...new Set([...roles, ...assigned])]);
    if (this.#merged.size >= 10_000) this.#merged.clear();
    this.#merged.set(principalId, { from: roles, roles: merged });
    return merged;
  }

  permissionsOf(principalId: string, roles: readonly string[]): readonly string[] {
    return this.#current.engine.permissionsOf(this.rolesOf(principalId, roles));
  }

  /** The roles assigned to a principal through the stored policy. */
  assignedTo(principalId: string): readonly string[] {
    return this.#current.assigned.get(principalId) ?? [];
  }

  /** Ids of the principals assigned `role`, or a role inheriting it, through the policy. */
  principalsHolding(role: string): string[] {
    const { engine, assigned } = this.#current;
    const ids: string[] = [];
    for (const [id, roles] of assigned) if (engine.holdsRole(roles, role)) ids.push(id);
    return ids;
  }

  /** The environment access matrix from config. */
  get environmentAccess(): Partial<Record<Environment, readonly string[]>> {
    return this.#o.environmentAccess ?? {};
  }

  async #changed(
    actor: EventActor,
    ctx: RequestContext,
    what: { kind: 'role' | 'grant' | 'assignment'; id: string; op: string },
    before: unknown,
    after: unknown,
  ): Promise<void> {
    await this.reload();
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
    const now = this.#now();
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
    const stored: StoredGrant = { ...grant, createdBy: actor.id ?? null, createdAt: this.#now() };
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
    const known = new Set(this.#current.engine.roles);
    const current = await this.#o.store.load();
    for (const r of current.roles) known.add(r.name);
    const unknown = unique.find((r) => !known.has(r));
    if (unknown !== undefined)
      throw policyProblem(new PolicyError('unknown_role', `unknown role ${unknown}`));
    const before = current.assignments
      .filter((a) => a.principalId === principalId)
      .map((a) => a.role);
    await this.#o.store.setAssignments(principalId, unique, actor.id ?? null, this.#now());
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
