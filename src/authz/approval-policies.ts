import type { Static } from 'typebox';
import type { ApprovalPolicySchema } from '../config/schema.js';

export type ApprovalPolicyConfig = Static<typeof ApprovalPolicySchema>;

/** A policy as the guards use it: defaults filled in, conditions ready to test. */
export interface ApprovalPolicy {
  /** Null for the unconditional `authz.approvals.routes` list. */
  name: string | null;
  routes: readonly string[];
  required: number;
  approverRole: string;
  when: NonNullable<ApprovalPolicyConfig['when']>;
}

export interface ApprovalPolicyDefaults {
  /** `authz.approvals.routes`: approval always, with the defaults below. */
  routes: readonly string[];
  required: number;
  approverRole: string;
}

/**
 * The policies in the order they are tried: the configured ones first, then the plain
 * route list as a policy without conditions (what `authz.approvals.routes` always meant).
 */
export function compileApprovalPolicies(
  policies: readonly ApprovalPolicyConfig[],
  defaults: ApprovalPolicyDefaults,
): ApprovalPolicy[] {
  const compiled: ApprovalPolicy[] = policies.map((p) => ({
    name: p.name,
    routes: [...p.routes],
    required: p.required ?? defaults.required,
    approverRole: p.approverRole ?? defaults.approverRole,
    when: { ...p.when },
  }));
  if (defaults.routes.length > 0)
    compiled.push({
      name: null,
      routes: [...defaults.routes],
      required: defaults.required,
      approverRole: defaults.approverRole,
      when: {},
    });
  return compiled;
}

/** The value at a dotted path of a parsed JSON body; undefined when absent. */
function valueAt(body: unknown, path: string): unknown {
  let value = body;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    if (!Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * How many items a request touches at `path`: an array's length; a single value (an
 * object, a string) counts as one, so a body shaped otherwise than expected errs towards
 * asking; absent or null is none.
 */
function itemsAt(body: unknown, path: string): number {
  const value = valueAt(body, path);
  if (value === undefined || value === null) return 0;
  return Array.isArray(value) ? value.length : 1;
}

/** True when every condition of the policy holds for this request (none: always). */
export function policyApplies(
  policy: ApprovalPolicy,
  request: { body: unknown; environment: string },
): boolean {
  const { environments, minItems, bodyFlag } = policy.when;
  if (environments && !(environments as readonly string[]).includes(request.environment))
    return false;
  if (minItems && itemsAt(request.body, minItems.path) < minItems.count) return false;
  if (bodyFlag !== undefined && valueAt(request.body, bodyFlag) !== true) return false;
  return true;
}

/**
 * The approval policies of each operation (`METHOD /route`), in order; the first that
 * applies to a request decides whether it needs approval, by whom and how many.
 */
export class ApprovalPolicies {
  readonly #byOperation = new Map<string, ApprovalPolicy[]>();
  readonly #environment: string;

  constructor(policies: readonly ApprovalPolicy[], environment: string) {
    this.#environment = environment;
    for (const policy of policies)
      for (const operation of policy.routes) {
        const list = this.#byOperation.get(operation) ?? [];
        list.push(policy);
        this.#byOperation.set(operation, list);
      }
  }

  /** Every operation some policy names. */
  operations(): string[] {
    return [...this.#byOperation.keys()];
  }

  has(operation: string): boolean {
    return this.#byOperation.has(operation);
  }

  /** The first policy that applies to this request, or undefined: it runs unapproved. */
  applying(operation: string, body: unknown): ApprovalPolicy | undefined {
    const request = { body, environment: this.#environment };
    return this.#byOperation.get(operation)?.find((p) => policyApplies(p, request));
  }

  /** Roles that approve some policy's requests. */
  approverRoles(): string[] {
    const roles = new Set<string>();
    for (const list of this.#byOperation.values()) for (const p of list) roles.add(p.approverRole);
    return [...roles];
  }
}
