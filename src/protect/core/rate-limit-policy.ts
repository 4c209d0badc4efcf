import { formatRateLimitPolicy, rateLimitPrefix } from './rate-limit-headers.js';

export type RateLimitKeyPart = 'ip' | 'user' | 'apiKey' | 'route';

/** A policy as configured (see `rateLimit` in config/protect-schema.ts). */
export interface RateLimitRule {
  name?: string;
  /** An HTTP method or `*`. */
  method: string;
  /** A route pattern as registered (`/v1/items/:id`), or a prefix ending in `*`. */
  url: string;
  /** Requests per window; 0 exempts the matching routes. */
  limit: number;
  /** Seconds. */
  window: number;
  key: readonly RateLimitKeyPart[];
}

export interface RateLimitPolicy {
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly key: readonly RateLimitKeyPart[];
  /**
   * The key names the caller (user or API key), so the decision waits for authentication;
   * otherwise it is taken as the request arrives, before any other work.
   */
  readonly afterAuth: boolean;
  /** The RateLimit-Policy field value, formatted once. */
  readonly policyHeader: string;
  /** The start of each RateLimit field value (the quoted name and `;r=`), formatted once. */
  readonly rateLimitPrefix: string;
}

/** What a key is built from, for one request. */
export interface RateLimitSubject {
  /** The client's network (clientNetwork(): IPv6 per /64). */
  network: string;
  method: string;
  /** The route pattern, or undefined when no route matched. */
  route: string | undefined;
  /** The authenticated caller, when there is one. */
  principal?: { kind: 'user' | 'api_key'; id: string; keyId?: string } | null;
}

export function compilePolicy(
  name: string,
  limit: number,
  windowSeconds: number,
  key: readonly RateLimitKeyPart[],
): RateLimitPolicy {
  const parts = [...new Set(key)];
  return Object.freeze({
    name,
    limit,
    windowMs: windowSeconds * 1000,
    key: Object.freeze(parts),
    afterAuth: parts.includes('user') || parts.includes('apiKey'),
    policyHeader: formatRateLimitPolicy(name, limit, windowSeconds),
    rateLimitPrefix: rateLimitPrefix(name),
  });
}

/**
 * The policies one route is counted under, split by when they can be decided: `early` in
 * onRequest (keyed by network or route), `late` after authentication (keyed by caller).
 */
export interface RoutePlan {
  readonly early: readonly RateLimitPolicy[];
  readonly late: readonly RateLimitPolicy[];
}

const exemptPlan: RoutePlan = Object.freeze({ early: [], late: [] });

interface CompiledRule {
  method: string;
  prefix: string | undefined;
  exact: string | undefined;
  /** undefined when the rule exempts its routes. */
  policy: RateLimitPolicy | undefined;
}

interface PolicyInput {
  limit: number;
  window: number;
  key: readonly RateLimitKeyPart[];
}

function planOf(policies: readonly (RateLimitPolicy | undefined)[]): RoutePlan {
  const present = policies.filter((p): p is RateLimitPolicy => p !== undefined);
  return Object.freeze({
    early: present.filter((p) => !p.afterAuth),
    late: present.filter((p) => p.afterAuth),
  });
}

/**
 * The policy table, matched against route *patterns* once when each route is registered
 * (not against paths on every request). A route is counted under the global policy (if
 * any) and under its first matching entry, else the default; an entry with limit 0
 * exempts its routes from every policy, the global one included.
 */
export class RateLimitPolicies {
  readonly global: RateLimitPolicy | undefined;
  readonly default: RateLimitPolicy | undefined;
  /** The plan of requests that match no route (404): everything is decided early. */
  readonly unmatched: RoutePlan;
  readonly #rules: readonly CompiledRule[];

  constructor(options: {
    global?: PolicyInput;
    default: PolicyInput;
    routes: readonly RateLimitRule[];
  }) {
    const g = options.global;
    this.global = g && g.limit > 0 ? compilePolicy('global', g.limit, g.window, g.key) : undefined;
    const d = options.default;
    this.default = d.limit > 0 ? compilePolicy('default', d.limit, d.window, d.key) : undefined;
    const names = new Set<string>(['global', 'default']);
    this.#rules = options.routes.map((rule, i) => {
      const name = rule.name ?? `route-${i + 1}`;
      if (names.has(name)) throw new Error(`rate-limit policy name ${name} is used twice`);
      names.add(name);
      const wildcard = rule.url.endsWith('*');
      return {
        method: rule.method.toUpperCase(),
        prefix: wildcard ? rule.url.slice(0, -1) : undefined,
        exact: wildcard ? undefined : rule.url,
        policy: rule.limit > 0 ? compilePolicy(name, rule.limit, rule.window, rule.key) : undefined,
      };
    });
    const unmatched = [this.global, this.default].filter(
      (p): p is RateLimitPolicy => p !== undefined,
    );
    this.unmatched = Object.freeze({ early: unmatched, late: [] });
  }

  /** The route's own policy: its first matching entry, else the default; null when exempt. */
  forRoute(method: string, url: string): RateLimitPolicy | null | undefined {
    const m = method.toUpperCase();
    for (const rule of this.#rules) {
      // HEAD is GET without a body (RFC 9110 §9.3.2): it shares the GET entry's budget.
      if (rule.method !== '*' && rule.method !== m && !(m === 'HEAD' && rule.method === 'GET'))
        continue;
      if (rule.exact !== undefined ? url === rule.exact : url.startsWith(rule.prefix ?? ''))
        return rule.policy ?? null;
    }
    return this.default;
  }

  /** Every policy a route is counted under, in order: global first. */
  planFor(method: string, url: string): RoutePlan {
    const own = this.forRoute(method, url);
    if (own === null) return exemptPlan;
    return planOf([this.global, own]);
  }

  get isEmpty(): boolean {
    return (
      this.global === undefined &&
      this.default === undefined &&
      this.#rules.every((r) => r.policy === undefined)
    );
  }
}

/**
 * The key one request is counted under. Parts that name the caller fall back to the
 * client's network when the request is anonymous, so anonymous callers are limited per
 * network instead of sharing one budget (or escaping the limit).
 */
export function rateLimitKey(policy: RateLimitPolicy, subject: RateLimitSubject): string {
  let key = policy.name;
  let identified = false;
  let byNetwork = false;
  for (const part of policy.key) {
    switch (part) {
      case 'ip':
        key += `|ip=${subject.network}`;
        byNetwork = true;
        break;
      case 'route':
        key += `|route=${subject.method} ${subject.route ?? '(unmatched)'}`;
        break;
      case 'user':
        // An API key counts against its owner: a user's budget covers their keys too.
        if (subject.principal) {
          key += `|user=${subject.principal.id}`;
          identified = true;
        }
        break;
      case 'apiKey':
        if (subject.principal?.kind === 'api_key' && subject.principal.keyId) {
          key += `|key=${subject.principal.keyId}`;
          identified = true;
        }
        break;
    }
  }
  if (policy.afterAuth && !identified && !byNetwork) key += `|ip=${subject.network}`;
  return key;
}

/**
 * The policy table in force, replaceable at run time (policies added through the API).
 * Each route pattern has one {@link RoutePolicies}, taken once when the route is
 * registered; it remembers its plans until the table is replaced.
 */
export class LivePolicies {
  #policies: RateLimitPolicies;
  readonly #routes = new Map<string, RoutePolicies>();

  constructor(policies: RateLimitPolicies) {
    this.#policies = policies;
  }

  get current(): RateLimitPolicies {
    return this.#policies;
  }

  /** Takes effect on the next request of every route: their plans see a new table. */
  replace(policies: RateLimitPolicies): void {
    this.#policies = policies;
  }

  get unmatched(): RoutePlan {
    return this.#policies.unmatched;
  }

  /** The live plans of one route pattern (the same object for every call with `url`). */
  route(url: string): RoutePolicies {
    let route = this.#routes.get(url);
    if (route === undefined) {
      route = new RoutePolicies(this, url);
      // Route patterns are bounded by the routes registered; a caller passing paths is not.
      if (this.#routes.size < 10_000) this.#routes.set(url, route);
    }
    return route;
  }
}

/**
 * The plans of one route pattern under the table in force. A request reads its plan
 * with one identity check against the live table (a string-keyed lookup per request
 * cost more than the rest of an unlimited request's rate-limit work); a replaced table
 * is seen by the next request.
 */
export class RoutePolicies {
  readonly url: string;
  readonly #live: LivePolicies;
  /** The table the remembered plans were made from. */
  #table: RateLimitPolicies | undefined;
  /** The first method asked for (a route usually has one) and its plan. */
  #method: string | undefined;
  #plan: RoutePlan = exemptPlan;
  #others: Map<string, RoutePlan> | undefined;

  constructor(live: LivePolicies, url: string) {
    this.#live = live;
    this.url = url;
  }

  planFor(method: string): RoutePlan {
    const table = this.#live.current;
    if (table !== this.#table) {
      this.#table = table;
      this.#method = method;
      this.#plan = table.planFor(method, this.url);
      this.#others = undefined;
      return this.#plan;
    }
    if (method === this.#method) return this.#plan;
    this.#others ??= new Map();
    let plan = this.#others.get(method);
    if (plan === undefined) {
      plan = table.planFor(method, this.url);
      this.#others.set(method, plan);
    }
    return plan;
  }
}
