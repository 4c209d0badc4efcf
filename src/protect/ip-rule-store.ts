/** Port for IP rules and bans. Adapter: src/storage/sql/sql-ip-rule-store.ts. */

export type IpRuleAction = 'allow' | 'deny' | 'ban';

export interface IpRule {
  id: string;
  action: IpRuleAction;
  /** A CIDR; a ban names one client (an IPv4 address or an IPv6 /64). */
  cidr: string;
  reason: string | null;
  createdBy: string | null;
  createdAt: number;
  expiresAt: number | null;
  liftedAt: number | null;
}

export interface IpRuleStore {
  addRule(rule: IpRule): Promise<void>;
  /** Rules neither lifted nor expired at `now`. */
  listLiveRules(now: number): Promise<IpRule[]>;
  findRule(id: string): Promise<IpRule | undefined>;
  /** Lifts a live rule; resolves false when unknown or already lifted. */
  liftRule(id: string, now: number): Promise<boolean>;
}
