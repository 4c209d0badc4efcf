import { RampartError } from '../errors/rampart-error.js';
import type { EventPublisher } from '../events/event-bus.js';
import type { EventActor } from '../events/security-event.js';
import { ipAddress, parseCidr } from '../identity/core/cidr.js';
import { clientNetwork } from '../identity/core/client-network.js';
import type { RequestContext } from '../identity/core/request-context.js';
import { uuidv7 } from '../shared/uuid-v7.js';
import type { ExpiringValueStore, PubSub, Unsubscribe } from '../storage/hot-state.js';
import { accessErrors } from './access-errors.js';
import { IpRuleMatcher } from './ip-rule-matcher.js';
import type { IpRule, IpRuleStore } from './ip-rule-store.js';

/** Channel on which a node announces that IP rules changed. */
export const ipRuleChangesChannel = 'protect.iprules';
/** A ban without an end still needs a TTL in the hot store; it is re-seeded at start. */
const permanentBanMs = 10 * 365 * 86_400_000;
/** At most one `ip.blocked` event per network per node this often. */
const blockedEventIntervalMs = 60_000;
const reloadIntervalMs = 30_000;

export type IpDecision =
  | { allowed: true; allowlisted: boolean }
  | { allowed: false; reason: 'denied' | 'banned'; network: string };

const allowedDecision: IpDecision = Object.freeze({ allowed: true, allowlisted: false });
const allowlistedDecision: IpDecision = Object.freeze({ allowed: true, allowlisted: true });

export interface IpAccessOptions {
  store: IpRuleStore;
  values: ExpiringValueStore;
  pubsub: PubSub;
  events: EventPublisher;
  /** network.allow and network.deny. */
  staticAllow: readonly string[];
  staticDeny: readonly string[];
  onBackgroundError?: (error: unknown) => void;
  now?: () => number;
}

/**
 * Who may reach Rampart at all, decided first on every request: allow rules (never
 * blocked: operators must not lock themselves out), then deny rules, then bans.
 *
 * Rules (CIDRs) live in the database and every node holds them compiled in memory
 * (ip-rule-matcher.ts), reloaded when a node announces a change and every 30 s. Bans
 * name one client network (an IPv4 address or an IPv6 /64, so rotating through a
 * customer's 2^64 addresses does not escape) and sit in the hot store as well, so a ban
 * on one node holds on every node at once; the database copy re-seeds the hot store at
 * start.
 */
export class IpAccess {
  readonly #o: IpAccessOptions;
  readonly #now: () => number;
  readonly #matcher: IpRuleMatcher;
  readonly #lastBlockedEvent = new Map<string, number>();

  constructor(options: IpAccessOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#matcher = new IpRuleMatcher({
      staticAllow: options.staticAllow,
      staticDeny: options.staticDeny,
      now: this.#now,
    });
  }

  /** Loads the rules, re-seeds bans and follows changes; resolves with a stop function. */
  async start(): Promise<Unsubscribe> {
    const rules = await this.reload();
    for (const network of new Set(rules.filter((r) => r.action === 'ban').map((r) => r.cidr))) {
      await this.#syncBan(network, rules);
    }
    const unsubscribe = await this.#o.pubsub.subscribe(ipRuleChangesChannel, () => {
      this.reload().catch((error: unknown) => this.#o.onBackgroundError?.(error));
    });
    const timer = setInterval(() => {
      this.reload().catch((error: unknown) => this.#o.onBackgroundError?.(error));
    }, reloadIntervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await unsubscribe();
    };
  }

  async reload(): Promise<IpRule[]> {
    const rules = await this.#o.store.listLiveRules(this.#now());
    this.#matcher.replace(rules);
    return rules;
  }

  /** True when `ip` is covered by an allow rule (exempt from bans and deny rules). */
  isAllowlisted(ip: string): boolean {
    const at = ipAddress(ip);
    return at !== undefined && this.#matcher.allowlisted(at, this.#now());
  }

  /**
   * The decision without a promise when the hot store is in this process; undefined when
   * a ban must be looked up across the network (use {@link check}).
   */
  checkNow(ip: string): IpDecision | undefined {
    const getNow = this.#o.values.getNow;
    if (!getNow) return undefined;
    const c = this.#matcher.classify(ip);
    if (!c) return allowedDecision;
    if (c.verdict === 'allow') return allowlistedDecision;
    if (c.verdict === 'deny') return { allowed: false, reason: 'denied', network: c.network };
    if (getNow(c.banKey) !== undefined)
      return { allowed: false, reason: 'banned', network: c.network };
    return allowedDecision;
  }

  async check(ip: string): Promise<IpDecision> {
    const c = this.#matcher.classify(ip);
    if (!c) return { allowed: true, allowlisted: false };
    if (c.verdict === 'allow') return { allowed: true, allowlisted: true };
    const network = c.network;
    if (c.verdict === 'deny') return { allowed: false, reason: 'denied', network };
    if ((await this.#o.values.get(c.banKey)) !== undefined) {
      return { allowed: false, reason: 'banned', network };
    }
    return { allowed: true, allowlisted: false };
  }

  /**
   * Makes the hot store's ban of `network` last as long as its longest live ban (another
   * ban of the same network outlives a lifted or shorter one), or removes it.
   */
  async #syncBan(network: string, live?: readonly IpRule[]): Promise<void> {
    const now = this.#now();
    const bans = (live ?? (await this.#o.store.listLiveRules(now))).filter(
      (r) => r.action === 'ban' && r.cidr === network,
    );
    if (bans.length === 0) {
      await this.#o.values.delete(`ban:${network}`);
      return;
    }
    const ttl = Math.max(
      ...bans.map((r) => (r.expiresAt === null ? permanentBanMs : r.expiresAt - now)),
    );
    await this.#o.values.set(`ban:${network}`, '1', ttl);
  }

  /** Reports a refusal, at most once a minute per network and node. */
  async reportBlocked(
    decision: Extract<IpDecision, { allowed: false }>,
    ip: string,
    requestId: string,
  ): Promise<void> {
    const now = this.#now();
    const last = this.#lastBlockedEvent.get(decision.network);
    if (last !== undefined && now - last < blockedEventIntervalMs) return;
    if (this.#lastBlockedEvent.size >= 10_000) this.#lastBlockedEvent.clear();
    this.#lastBlockedEvent.set(decision.network, now);
    await this.#o.events.publish({
      type: 'ip.blocked',
      outcome: 'denied',
      actor: { kind: 'anonymous', ip },
      requestId,
      details: { reason: decision.reason, network: decision.network },
    });
  }

  /**
   * Bans the network of `ip` (the address for IPv4, its /64 for IPv6) for `durationMs`
   * (undefined: until lifted). Refused for an allowlisted address. Used by administrators
   * and by automated responses.
   */
  async ban(
    input: { ip: string; durationMs?: number; reason: string | null },
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<IpRule> {
    const at = ipAddress(input.ip);
    if (!at) throw new RampartError(accessErrors.invalid_ip);
    if (this.isAllowlisted(at.ip)) throw new RampartError(accessErrors.ip_allowlisted);
    const now = this.#now();
    const network = clientNetwork(at.ip);
    const rule: IpRule = {
      id: uuidv7(now),
      action: 'ban',
      cidr: network,
      reason: input.reason,
      createdBy: actor.id ?? null,
      createdAt: now,
      expiresAt: input.durationMs === undefined ? null : now + input.durationMs,
      liftedAt: null,
    };
    await this.#o.store.addRule(rule);
    await this.#syncBan(network);
    await this.#o.pubsub.publish(ipRuleChangesChannel, rule.id);
    await this.#o.events.publish({
      type: 'ip.banned',
      outcome: 'success',
      actor,
      target: { type: 'ip', id: network },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { ruleId: rule.id, expiresAt: rule.expiresAt, reason: rule.reason },
    });
    return rule;
  }

  async addRule(
    input: {
      action: 'allow' | 'deny';
      cidr: string;
      reason: string | null;
      expiresAt: number | null;
    },
    actor: EventActor,
    ctx: RequestContext,
  ): Promise<IpRule> {
    if (!parseCidr(input.cidr)) throw new RampartError(accessErrors.invalid_ip);
    const now = this.#now();
    const rule: IpRule = {
      id: uuidv7(now),
      action: input.action,
      cidr: input.cidr,
      reason: input.reason,
      createdBy: actor.id ?? null,
      createdAt: now,
      expiresAt: input.expiresAt,
      liftedAt: null,
    };
    await this.#o.store.addRule(rule);
    await this.reload();
    await this.#o.pubsub.publish(ipRuleChangesChannel, rule.id);
    await this.#o.events.publish({
      type: 'ip.rule.added',
      outcome: 'success',
      actor,
      target: { type: 'ip_rule', id: rule.id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: {
        action: rule.action,
        cidr: rule.cidr,
        expiresAt: rule.expiresAt,
        reason: rule.reason,
      },
    });
    return rule;
  }

  list(): Promise<IpRule[]> {
    return this.#o.store.listLiveRules(this.#now());
  }

  async lift(id: string, actor: EventActor, ctx: RequestContext): Promise<void> {
    const rule = await this.#o.store.findRule(id);
    const now = this.#now();
    if (!rule || !(await this.#o.store.liftRule(id, now))) {
      throw new RampartError(accessErrors.ip_rule_not_found);
    }
    if (rule.action === 'ban') await this.#syncBan(rule.cidr);
    await this.reload();
    await this.#o.pubsub.publish(ipRuleChangesChannel, id);
    await this.#o.events.publish({
      type: 'ip.rule.lifted',
      outcome: 'success',
      actor,
      target: { type: 'ip_rule', id },
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      details: { action: rule.action, cidr: rule.cidr },
    });
  }
}
