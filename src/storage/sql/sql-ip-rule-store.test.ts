import { afterEach, describe, expect, it } from 'vitest';
import {
  openMigratedTestDatabase,
  testDatabaseKinds,
} from '../../../test/support/test-databases.js';
import type { IpRule } from '../../protect/ip-rule-store.js';
import type { DatabaseHandle } from '../database.js';
import { SqlIpRuleStore } from './sql-ip-rule-store.js';

function rule(over: Partial<IpRule> & { id: string }): IpRule {
  return {
    action: 'deny',
    cidr: '203.0.113.0/24',
    reason: null,
    createdBy: 'admin',
    createdAt: 1000,
    expiresAt: null,
    liftedAt: null,
    ...over,
  };
}

for (const kind of testDatabaseKinds()) {
  describe(`SqlIpRuleStore on ${kind}`, () => {
    let handle: DatabaseHandle | undefined;
    let close: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await close?.();
    });

    async function open(): Promise<SqlIpRuleStore> {
      ({ handle, close } = await openMigratedTestDatabase(kind));
      return new SqlIpRuleStore(handle.db);
    }

    // An expired allow rule still listed would exempt its network from bans; an expired
    // ban still listed would keep blocking a client after the ban's end.
    it('lists a rule only while it is neither expired nor lifted', async () => {
      const store = await open();
      await store.addRule(rule({ id: 'forever' }));
      await store.addRule(rule({ id: 'allow-until-5000', action: 'allow', expiresAt: 5000 }));
      await store.addRule(
        rule({ id: 'ban-until-3000', action: 'ban', cidr: '198.51.100.7/32', expiresAt: 3000 }),
      );
      const live = async (now: number) => (await store.listLiveRules(now)).map((r) => r.id);
      expect(await live(2999)).toEqual(['allow-until-5000', 'ban-until-3000', 'forever']);
      expect(await live(3000)).toEqual(['allow-until-5000', 'forever']);
      expect(await live(5000)).toEqual(['forever']);
      expect(await store.liftRule('forever', 6000)).toBe(true);
      expect(await store.liftRule('forever', 6001)).toBe(false);
      expect(await live(6000)).toEqual([]);
      expect(await store.findRule('forever')).toMatchObject({ liftedAt: 6000 });
      expect(await store.liftRule('unknown', 6000)).toBe(false);
    });
  });
}
