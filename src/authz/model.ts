/**
 * The authorization model: roles with inheritance, resource-level grants with conditions,
 * and the environment access matrix. A {@link Policy} is plain data (from config or a
 * store); `compile` (engine.ts) validates it and builds the indexes `decide` reads.
 *
 * Permissions are `resource:action` strings with the matching rules of
 * src/identity/core/permissions.ts: `*` stands for any resource or any action, `*` alone
 * for everything, and a wildcard is only covered by a wildcard.
 */

export const environments = ['development', 'staging', 'production'] as const;
export type Environment = (typeof environments)[number];

export const builtInRoles = ['ADMIN', 'DEVELOPER', 'VIEWER'] as const;

/**
 * A role. Built-in roles (`ADMIN` ⊃ `DEVELOPER` ⊃ `VIEWER`) always exist with their
 * built-in permissions; a definition with a built-in name adds permissions and parents.
 */
export interface RoleDefinition {
  name: string;
  /** Roles whose permissions this role holds too. Inheritance must stay acyclic. */
  inherits?: readonly string[];
  permissions?: readonly string[];
}

export type GrantSubject = { kind: 'principal'; id: string } | { kind: 'role'; name: string };

export const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof weekdays)[number];

/**
 * A time window. Every given part must hold:
 * - `days`: the local weekday (in `timezone`) is one of these;
 * - `from`/`to` (`HH:MM`, 24 h): the local minute is in `[from, to)`; with `from > to`
 *   the window wraps past midnight (`22:00`–`06:00`); either bound alone is open-ended;
 * - `start`/`end` (ISO 8601 instants): `start <= now < end`.
 * `timezone` is an IANA name (default `UTC`).
 */
export interface TimeWindow {
  days?: readonly Weekday[];
  from?: string;
  to?: string;
  timezone?: string;
  start?: string;
  end?: string;
}

export type AttributeOperator = 'equals' | 'in' | 'prefix' | 'lt' | 'lte' | 'gt' | 'gte';
export type AttributeValue = string | number | boolean;

/**
 * A predicate over an attribute of the request context or of the resource. A missing
 * attribute fails the predicate. Comparisons are strict: `equals`/`in` compare with `===`,
 * `prefix` needs strings, `lt`…`gte` need finite numbers on both sides.
 *
 * Attributes come from the caller of `decide` (the service that owns the resource, or
 * Rampart's own routes) and must be facts the server established. Never pass attributes
 * a principal can set about themselves (profile fields, self-chosen tags): a user could
 * grant themselves access (ASVS 4.1.2). The engine has no access to profiles by design.
 */
export interface AttributePredicate {
  source: 'context' | 'resource';
  key: string;
  op: AttributeOperator;
  value: AttributeValue | readonly AttributeValue[];
}

export interface GrantConditions {
  timeWindow?: TimeWindow;
  /** The client IP must fall in one of these networks (IPv4 and IPv6 CIDRs). */
  ipCidrs?: readonly string[];
  environments?: readonly Environment[];
  attributes?: readonly AttributePredicate[];
}

/**
 * A resource-level grant. `resourceId` is an exact id, or a prefix pattern ending in `*`
 * (`proj-*`; `*` alone is any id). `resourceType` may be `*` (any type), `actions` may
 * hold `*` (any action). A deny whose conditions hold beats every allow.
 */
export interface Grant {
  id: string;
  subject: GrantSubject;
  resourceType: string;
  resourceId: string;
  actions: readonly string[];
  effect: 'allow' | 'deny';
  conditions?: GrantConditions;
}

export interface Policy {
  roles?: readonly RoleDefinition[];
  grants?: readonly Grant[];
  /**
   * Which roles may act in which environment. A principal may act in an environment
   * listed here only if one of its roles (or a role they inherit) is listed for it; an
   * environment absent from the matrix is open to every role.
   */
  environmentAccess?: Partial<Record<Environment, readonly string[]>>;
}

/**
 * Who asks. For an API key, `id` and `roles` are its owner's and `scopes` the key's: the
 * key may do what both its owner's permissions and its scopes allow.
 */
export interface AuthzPrincipal {
  kind: 'user' | 'service_account' | 'api_key';
  id: string;
  roles: readonly string[];
  scopes?: readonly string[];
}

export interface AuthzResource {
  type: string;
  id: string;
  attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface AuthzContext {
  /** The instant of the decision (default: now). */
  now?: number | Date;
  ip?: string;
  environment?: Environment;
  /** Server-established facts about the request (see {@link AttributePredicate}). */
  attributes?: Readonly<Record<string, AttributeValue>>;
}

export type ConditionKind = 'time_window' | 'ip' | 'environment' | 'attribute';

export type DecisionReason =
  | `allowed_by_role:${string}`
  | `allowed_by_grant:${string}`
  | 'no_grant'
  | `denied_by:${string}`
  | `condition_failed:${ConditionKind}`
  | 'environment_not_allowed'
  | 'scope_not_granted'
  | 'error';

export interface Decision {
  allowed: boolean;
  reason: DecisionReason;
  /** What decided: the role and its permission, or the grant. */
  matched: { role?: string; permission?: string; grantId?: string } | null;
}

/** A name of a resource type or an action: the parts of a permission. */
export const namePattern = /^[a-z][a-z0-9-]{0,39}$/;

/** A policy that cannot be compiled; `code` says why, `detail` where. */
export class PolicyError extends Error {
  readonly code:
    | 'role_cycle'
    | 'unknown_role'
    | 'duplicate_role'
    | 'duplicate_grant'
    | 'invalid_permission'
    | 'invalid_grant'
    | 'invalid_condition';
  constructor(code: PolicyError['code'], message: string) {
    super(message);
    this.name = 'PolicyError';
    this.code = code;
  }
}
