import type { Kysely } from 'kysely';
import type { IpRule, IpRuleStore } from '../../protect/ip-rule-store.js';
import type { Database } from '../database-schema.js';

type Row = Database['ip_rules'];

function toRule(r: Row): IpRule {
  return {
    id: r.id,
    action: r.action,
    cidr: r.cidr,
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    liftedAt: r.lifted_at,
  };
}

export class SqlIpRuleStore implements IpRuleStore {
  constructor(private readonly db: Kysely<Database>) {}

  async addRule(rule: IpRule): Promise<void> {
    await this.db
      .insertInto('ip_rules')
      .values({
        id: rule.id,
        action: rule.action,
        cidr: rule.cidr,
        reason: rule.reason,
        created_by: rule.createdBy,
        created_at: rule.createdAt,
        expires_at: rule.expiresAt,
        lifted_at: rule.liftedAt,
      })
      .execute();
  }

  async listLiveRules(now: number): Promise<IpRule[]> {
    const rows = await this.db
      .selectFrom('ip_rules')
      .selectAll()
      .where('lifted_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map(toRule);
  }

  async findRule(id: string): Promise<IpRule | undefined> {
    const row = await this.db
      .selectFrom('ip_rules')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toRule(row) : undefined;
  }

  async liftRule(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('ip_rules')
      .set({ lifted_at: now })
      .where('id', '=', id)
      .where('lifted_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
