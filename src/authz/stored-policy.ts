import { type AuthzEngine, compile } from './engine.js';
import { policyProblem } from './errors.js';
import { builtInRoles, type Policy, PolicyError } from './model.js';
import type { StoredGrant, StoredPolicy, StoredRole } from './store.js';

// The stored policy's other shapes: the `Policy` the engine compiles (and compiling it,
// refused as a problem when it does not), and the JSON of roles and grants that the API
// shows and `authz.policy.changed` events record.

/** True for the built-in roles, which no stored role may redefine or delete. */
export const isBuiltIn = (name: string): boolean =>
  (builtInRoles as readonly string[]).includes(name);

/** The stored policy as the engine takes it, with config's environment access. */
export function toPolicy(stored: StoredPolicy, env: Policy['environmentAccess']): Policy {
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

/**
 * Compiles `policy`; a policy that does not compile is a problem with its `PolicyError` code.
 *
 * @example
 * const engine = compileOrProblem(toPolicy(await store.load(), config.authz.environment));
 */
export function compileOrProblem(policy: Policy): AuthzEngine {
  try {
    return compile(policy);
  } catch (error) {
    if (error instanceof PolicyError) throw policyProblem(error);
    throw error;
  }
}

/**
 * A grant as the API shows it (and as events record it).
 *
 * @example
 * reply.send({ items: (await store.load()).grants.map(grantJson) });
 */
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

/** A custom role as the API shows it (and as events record it). */
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
