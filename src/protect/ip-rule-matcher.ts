import { BlockList } from 'node:net';
import { addCidr, type IpAddress, ipAddress, parseCidr } from '../identity/core/cidr.js';
import { clientNetwork } from '../identity/core/client-network.js';
import type { IpRule } from './ip-rule-store.js';

/** What the allow and deny rules say of one address, and the network a ban would name. */
export interface ClassifiedIp {
  verdict: 'allow' | 'deny' | 'none';
  network: string;
  /** The hot store key of a ban of `network`. */
  banKey: string;
}

interface CompiledRules {
  /** Allow rules without expiry plus network.allow. */
  allow: BlockList;
  deny: BlockList;
  /** Rules with an expiry, checked one by one (few). */
  expiring: { action: 'allow' | 'deny'; list: BlockList; expiresAt: number }[];
  count: number;
}

function has(list: BlockList, at: IpAddress): boolean {
  return list.check(at.ip, at.family);
}

export interface IpRuleMatcherOptions {
  /** network.allow and network.deny, in force whatever the database holds. */
  staticAllow: readonly string[];
  staticDeny: readonly string[];
  now: () => number;
}

/**
 * The allow and deny rules compiled for matching (native BlockLists), and the answer for
 * each address seen remembered until the rules change. Bans are not matched here: they
 * name one client network and are looked up in the hot store (IpAccess).
 *
 * @example
 * const matcher = new IpRuleMatcher({ staticAllow: ['10.0.0.0/8'], staticDeny: [], now: Date.now });
 * matcher.replace(await store.listLiveRules(Date.now()));
 * matcher.classify('203.0.113.7'); // { verdict: 'none', network: '203.0.113.7', banKey: 'ban:203.0.113.7' }
 */
export class IpRuleMatcher {
  readonly #o: IpRuleMatcherOptions;
  #rules: CompiledRules;
  readonly #classified = new Map<string, ClassifiedIp>();

  /** Throws when network.allow or network.deny holds something that is not a CIDR. */
  constructor(options: IpRuleMatcherOptions) {
    this.#o = options;
    for (const cidr of [...options.staticAllow, ...options.staticDeny]) {
      if (!parseCidr(cidr)) throw new Error(`network.allow/deny: not a CIDR: ${cidr}`);
    }
    this.#rules = this.#compile([]);
  }

  /** Matches against `rules` (bans among them are skipped) from now on. */
  replace(rules: readonly IpRule[]): void {
    this.#rules = this.#compile(rules);
    this.#classified.clear();
  }

  #compile(rules: readonly IpRule[]): CompiledRules {
    const allow = new BlockList();
    const deny = new BlockList();
    for (const cidr of this.#o.staticAllow) addCidr(allow, cidr);
    for (const cidr of this.#o.staticDeny) addCidr(deny, cidr);
    const expiring: CompiledRules['expiring'] = [];
    for (const rule of rules) {
      if (rule.action === 'ban') continue;
      if (rule.expiresAt === null) addCidr(rule.action === 'allow' ? allow : deny, rule.cidr);
      else {
        const list = new BlockList();
        addCidr(list, rule.cidr);
        expiring.push({ action: rule.action, list, expiresAt: rule.expiresAt });
      }
    }
    return { allow, deny, expiring, count: rules.length };
  }

  /** True when `at` is covered by an allow rule live at `now`. */
  allowlisted(at: IpAddress, now: number): boolean {
    if (has(this.#rules.allow, at)) return true;
    for (const e of this.#rules.expiring) {
      if (e.action === 'allow' && e.expiresAt > now && has(e.list, at)) return true;
    }
    return false;
  }

  /**
   * What the rules say of `ip`, remembered per address until the rules change: the
   * matching (a regex, native BlockList lookups, the /64 of an IPv6 address) is then paid
   * once per client rather than on every request. Not remembered while a rule with an
   * expiry is live, since time alone changes the answer. Undefined when `ip` is not an
   * IP address.
   */
  classify(ip: string): ClassifiedIp | undefined {
    const cached = this.#classified.get(ip);
    if (cached) return cached;
    const at = ipAddress(ip);
    // Not an IP (a unix socket, a test double): nothing to match.
    if (!at) return undefined;
    const now = this.#o.now();
    let verdict: ClassifiedIp['verdict'] = this.allowlisted(at, now) ? 'allow' : 'none';
    if (verdict === 'none') {
      if (has(this.#rules.deny, at)) verdict = 'deny';
      else {
        for (const e of this.#rules.expiring) {
          if (e.action === 'deny' && e.expiresAt > now && has(e.list, at)) {
            verdict = 'deny';
            break;
          }
        }
      }
    }
    const result: ClassifiedIp = { verdict, network: clientNetwork(at.ip), banKey: '' };
    result.banKey = `ban:${result.network}`;
    if (this.#rules.expiring.length === 0) {
      if (this.#classified.size >= 10_000) this.#classified.clear();
      this.#classified.set(ip, result);
    }
    return result;
  }
}
