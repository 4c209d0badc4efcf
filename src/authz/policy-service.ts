import { isDeepStrictEqual } from 'node:util';
import type { EventPublisher } from '../events/event-bus.js';
import type { EventActor } from '../events/security-event.js';
import type { RequestContext } from '../identity/core/request-context.js';
import type { PubSub, Unsubscribe } from '../storage/hot-state.js';
import type { Authorizer } from './authorizer.js';
import type { AuthzEngine } from './engine.js';
import type {
  AuthzContext,
  AuthzPrincipal,
  AuthzResource,
  Decision,
  Environment,
  Grant,
  Policy,
} from './model.js';
import { PolicyChanges, policyChangesChannel } from './policy-changes.js';
import type { AuthzPolicyStore, StoredGrant, StoredPolicy, StoredRole } from './store.js';
import { compileOrProblem, toPolicy } from './stored-policy.js';

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

/**
 * The stored policy, compiled and in force on this node. Every change is validated by
 * compiling the policy it would produce (a cycle or an unknown role is refused before
 * anything is written), stored, announced on pub/sub so every node reloads at once (and
 * every 30 s, in case a message is lost), and recorded as `authz.policy.changed` with
 * the before and after; the changes themselves are policy-changes.ts.
 *
 * @example
 * const policies = new PolicyService({ store, pubsub, events, environmentAccess: undefined });
 * const stop = await policies.start();
 * policies.decide(principal, 'read', { type: 'invoice', id: '42' }).allowed;
 */
export class PolicyService implements Authorizer {
  readonly #o: PolicyServiceOptions;
  readonly #now: () => number;
  #current: Compiled;
  /** Merged role lists per principal with assignments, remembered until the policy changes. */
  #merged = new Map<string, { from: readonly string[]; roles: readonly string[] }>();
  #loadsStarted = 0;
  #installedLoad = 0;
  readonly #changes: PolicyChanges;

  constructor(options: PolicyServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#current = this.#build({ roles: [], grants: [], assignments: [] });
    this.#changes = new PolicyChanges({
      store: options.store,
      pubsub: options.pubsub,
      events: options.events,
      environmentAccess: options.environmentAccess,
      engine: () => this.#current.engine,
      reload: () => this.reload(),
      now: this.#now,
    });
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
    const stored = await this.#o.store.load();
    if (seq < this.#installedLoad) return;
    // The same policy as installed (the timer's reload, on a node where nothing changed):
    // the compiled engine stays. A new one would replace every decision function the
    // request path runs, which V8 then deoptimises and compiles again, every 30 s, and
    // would drop the merged-roles cache. Compiling depends on nothing but the stored
    // policy: time conditions are decided per request.
    if (isDeepStrictEqual(stored, this.#current.stored)) {
      this.#installedLoad = seq;
      return;
    }
    const next = this.#build(stored);
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

  // Changes to the stored policy (see PolicyChanges)

  putRole(
    input: { name: string; description: string | null; inherits: string[]; permissions: string[] },
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<StoredRole> {
    return this.#changes.putRole(input, actor, ctx);
  }

  deleteRole(name: string, actor: EventActor, ctx: RequestContext): Promise<void> {
    return this.#changes.deleteRole(name, actor, ctx);
  }

  addGrant(grant: Grant, actor: EventActor, ctx: RequestContext): Promise<StoredGrant> {
    return this.#changes.addGrant(grant, actor, ctx);
  }

  deleteGrant(id: string, actor: EventActor, ctx: RequestContext): Promise<void> {
    return this.#changes.deleteGrant(id, actor, ctx);
  }

  /**
   * Replaces the roles assigned to a principal (built-in or custom). They add to the roles
   * the account holds from registration or invitation.
   */
  setAssignments(
    principalId: string,
    roles: readonly string[],
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<readonly string[]> {
    return this.#changes.setAssignments(principalId, roles, actor, ctx);
  }
}
