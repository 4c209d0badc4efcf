import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type MigratedTestDatabase,
  openMigratedTestDatabase,
  testDatabaseKinds,
} from '../../../test/support/test-databases.js';
import { createSealer } from '../../dataprotect/core/sealer.js';
import { newAlertInstance } from '../../monitor/alerts/core/alert-lifecycle.js';
import type { AlertNotification } from '../../monitor/alerts/core/alert-rule.js';
import type { OutboxEntry } from '../../monitor/alerts/store.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import { SqlAlertStore } from './sql-alert-store.js';

const sealer = createSealer(randomBytes(32));

function row(time: number, over: Partial<OutboxEntry> = {}, fingerprint = 'fp'): OutboxEntry {
  const notification: AlertNotification = {
    id: uuidv7(time),
    status: 'firing',
    fingerprint,
    ruleId: 'r1',
    ruleName: 'rule',
    severity: 'high',
    labels: { key: 'k' },
    annotations: {},
    value: 1,
    threshold: 1,
    startsAt: time,
    endsAt: null,
  };
  return {
    id: uuidv7(time),
    channel: 'hook',
    notification,
    state: 'pending',
    attempts: 0,
    nextAttemptAt: time,
    createdAt: time,
    ...over,
  };
}

describe.each(testDatabaseKinds())('the alert outbox on %s', (kind) => {
  const opened: MigratedTestDatabase[] = [];

  async function store() {
    const database = await openMigratedTestDatabase(kind);
    opened.push(database);
    return new SqlAlertStore(database.handle.db, sealer);
  }

  afterEach(async () => {
    for (const database of opened.splice(0)) await database.close();
  });

  it('writes the rows with the alert change, and none when the change loses', async () => {
    const s = await store();
    const first = { ...newAlertInstance('fp', 'r1', {}), state: 'firing' as const, version: 1 };
    const a = row(1000);
    expect(await s.saveInstanceWithOutbox(first, [a])).toBe(true);
    // A second writer of the same version loses, and its notification is not kept.
    expect(await s.saveInstanceWithOutbox(first, [row(1001)])).toBe(false);
    const due = await s.dueOutbox(5000, 10);
    expect(due.map((r) => r.id)).toEqual([a.id]);
    expect(due[0]?.notification).toEqual(a.notification);
  });

  it('lets one of two claimers win, and a claim that runs out be taken again', async () => {
    const s = await store();
    const a = row(1000);
    await s.saveInstanceWithOutbox({ ...newAlertInstance('fp', 'r1', {}), version: 1 }, [a]);
    const claims = await Promise.all([
      s.claimOutbox(a.id, 'node-a', 2000, 7000, 5),
      s.claimOutbox(a.id, 'node-b', 2000, 7000, 5),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    // Claimed: not due until the claim ends (the claimer died, say), then due again.
    expect(await s.dueOutbox(6999, 10)).toEqual([]);
    const [again] = await s.dueOutbox(7000, 10);
    expect(again).toMatchObject({ id: a.id, attempts: 1 });
    expect(await s.claimOutbox(a.id, 'node-c', 7000, 9000, 5)).toBe(true);
    // Only the current holder completes it.
    const winner = claims[0] ? 'node-a' : 'node-b';
    expect(await s.completeOutbox(a.id, winner, 'delivered', 7100)).toBe(false);
    expect(await s.completeOutbox(a.id, 'node-c', 'delivered', 7100)).toBe(true);
    expect(await s.dueOutbox(99_999, 10)).toEqual([]);
  });

  it('renews a claim for its holder only, never one another holder took over', async () => {
    const s = await store();
    const a = row(1000);
    const unclaimed = row(1001, {}, 'other-fp');
    await s.saveInstanceWithOutbox({ ...newAlertInstance('fp', 'r1', {}), version: 1 }, [
      a,
      unclaimed,
    ]);
    expect(await s.claimOutbox(a.id, 'node-a', 2000, 3000, 5)).toBe(true);
    // The holder's run is alive: its renewal moves the end of the claim.
    expect(await s.renewOutbox(a.id, 'node-a', 2900, 5900)).toBe(true);
    expect((await s.dueOutbox(5899, 10)).map((r) => r.id)).toEqual([unclaimed.id]);
    // node-a stalls past its lease and node-b takes the row over.
    expect(await s.claimOutbox(a.id, 'node-b', 5900, 8900, 5)).toBe(true);
    // node-a, back, extends nothing: node-b's claim still ends when node-b said.
    expect(await s.renewOutbox(a.id, 'node-a', 6000, 60_000)).toBe(false);
    const due = await s.dueOutbox(8900, 10);
    expect(due.find((r) => r.id === a.id)).toMatchObject({ attempts: 2, nextAttemptAt: 8900 });
    // Nor does a renewal claim a row nobody holds, or keep a finished row pending.
    expect(await s.renewOutbox(unclaimed.id, 'node-a', 6000, 60_000)).toBe(false);
    expect(await s.renewOutbox(a.id, 'node-b', 6000, 9000)).toBe(true);
    expect(await s.completeOutbox(a.id, 'node-b', 'delivered', 6100)).toBe(true);
    expect(await s.renewOutbox(a.id, 'node-b', 6200, 9200)).toBe(false);
    expect((await s.dueOutbox(99_999, 10)).map((r) => r.id)).toEqual([unclaimed.id]);
  });

  it("keeps an alert's notifications in order on a channel: no claim while an older one is pending", async () => {
    const s = await store();
    const firing = row(1000);
    const resolved = row(1001);
    const other = row(1002, {}, 'other-fp');
    await s.saveInstanceWithOutbox({ ...newAlertInstance('fp', 'r1', {}), version: 1 }, [
      firing,
      resolved,
      other,
    ]);
    expect(await s.claimOutbox(resolved.id, 'n', 2000, 3000, 5)).toBe(false);
    // Another alert on the same channel is not held back.
    expect(await s.claimOutbox(other.id, 'n', 2000, 3000, 5)).toBe(true);
    expect(await s.claimOutbox(firing.id, 'n', 2000, 3000, 5)).toBe(true);
    expect(await s.completeOutbox(firing.id, 'n', 'failed', 2500)).toBe(true);
    expect(await s.claimOutbox(resolved.id, 'n', 2600, 3000, 5)).toBe(true);
  });

  it('refuses a claim past the run limit and prunes finished rows', async () => {
    const s = await store();
    const a = row(1000, { attempts: 2 });
    await s.saveInstanceWithOutbox({ ...newAlertInstance('fp', 'r1', {}), version: 1 }, [a]);
    expect(await s.claimOutbox(a.id, 'n', 2000, 3000, 2)).toBe(false);
    expect(await s.completeOutbox(a.id, null, 'failed', 2000)).toBe(true);
    await s.pruneOutbox(1999);
    expect(await s.completeOutbox(a.id, null, 'failed', 2001)).toBe(false);
    await s.pruneOutbox(2001);
    const b = row(3000);
    await s.saveInstanceWithOutbox({ ...newAlertInstance('fp2', 'r1', {}), version: 1 }, [b]);
    await s.pruneOutbox(10_000);
    // Pending rows are never pruned.
    expect((await s.dueOutbox(10_000, 10)).map((r) => r.id)).toEqual([b.id]);
  });
});
