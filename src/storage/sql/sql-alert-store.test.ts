import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type MigratedTestDatabase,
  openMigratedTestDatabase,
  testDatabaseKinds,
} from '../../../test/support/test-databases.js';
import { createSealer } from '../../dataprotect/core/sealer.js';
import { newAlertInstance } from '../../monitor/alerts/core/alert-lifecycle.js';
import type { AlertHistoryEntry } from '../../monitor/alerts/store.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import { SqlAlertStore } from './sql-alert-store.js';

const sealer = createSealer(randomBytes(32));

function historyEntry(time: number, over: Partial<AlertHistoryEntry> = {}): AlertHistoryEntry {
  return {
    id: uuidv7(time),
    fingerprint: 'fp',
    ruleId: 'r1',
    ruleName: 'rule',
    severity: 'high',
    labels: { key: 'k' },
    state: 'firing',
    value: 1.5,
    silenced: false,
    notified: true,
    time,
    ...over,
  };
}

describe.each(testDatabaseKinds())('SqlAlertStore on %s', (kind) => {
  const opened: MigratedTestDatabase[] = [];

  async function store() {
    const database = await openMigratedTestDatabase(kind);
    opened.push(database);
    const db = database.handle;
    return { store: new SqlAlertStore(db.db, sealer), db };
  }

  afterEach(async () => {
    for (const database of opened.splice(0)) await database.close();
  });

  it('lets exactly one of two writers of one alert change win (insert and update)', async () => {
    const { store: s } = await store();
    const base = newAlertInstance('fp1', 'r1', { a: 'b' });
    const first = { ...base, state: 'firing' as const, version: 1, notified: true };
    const results = await Promise.all([
      s.saveInstance(first),
      s.saveInstance({ ...first, notified: false }),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const second = { ...first, state: 'inactive' as const, version: 2 };
    const updates = await Promise.all([s.saveInstance(second), s.saveInstance(second)]);
    expect(updates.filter(Boolean)).toHaveLength(1);
    expect(await s.saveInstance({ ...second, version: 2 })).toBe(false);
    expect(await s.listInstances()).toEqual([
      expect.objectContaining({ fingerprint: 'fp1', version: 2, labels: { a: 'b' } }),
    ]);
    await s.deleteInstance('fp1', 1);
    expect(await s.listInstances()).toHaveLength(1);
    await s.deleteInstance('fp1', 2);
    expect(await s.listInstances()).toHaveLength(0);
  });

  it('pages the history newest first with filters, and prunes old entries and deliveries', async () => {
    const { store: s } = await store();
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 5; i++)
      await s.appendHistory(historyEntry(t0 + i * 1000, { state: i % 2 ? 'resolved' : 'firing' }));
    const page1 = await s.queryHistory({ limit: 2 });
    expect(page1.map((e) => e.time)).toEqual([t0 + 4000, t0 + 3000]);
    const page2 = await s.queryHistory({ limit: 2, beforeId: page1[1]?.id as string });
    expect(page2.map((e) => e.time)).toEqual([t0 + 2000, t0 + 1000]);
    expect((await s.queryHistory({ limit: 10, state: 'resolved' })).map((e) => e.time)).toEqual([
      t0 + 3000,
      t0 + 1000,
    ]);
    expect(await s.queryHistory({ limit: 10, since: t0 + 1000, until: t0 + 3000 })).toHaveLength(2);
    await s.recordDelivery({
      id: uuidv7(t0),
      notificationId: 'n',
      deliveryId: 'd',
      fingerprint: 'fp',
      channel: 'c',
      status: 'firing',
      test: false,
      outcome: 'delivered',
      attempts: 1,
      error: null,
      startedAt: t0,
      durationMs: 3.5,
    });
    expect((await s.queryDeliveries({ limit: 10 }))[0]).toMatchObject({ deliveryId: 'd' });
    await s.pruneHistory(t0 + 2500);
    expect((await s.queryHistory({ limit: 10 })).map((e) => e.time)).toEqual([
      t0 + 4000,
      t0 + 3000,
    ]);
    expect(await s.queryDeliveries({ limit: 10 })).toEqual([]);
  });

  it('seals channel settings at rest and opens them on read', async () => {
    const { store: s, db } = await store();
    await s.insertChannel({
      id: 'c1',
      name: 'slack',
      type: 'slack',
      settings: { url: 'https://hooks.slack.com/services/SECRET-PATH' },
      createdAt: 1,
      updatedAt: 1,
    });
    const rows = await db.db
      .selectFrom('alert_channels' as never)
      .selectAll()
      .execute();
    expect(JSON.stringify(rows)).not.toContain('SECRET-PATH');
    expect((await s.listChannels())[0]?.settings).toEqual({
      url: 'https://hooks.slack.com/services/SECRET-PATH',
    });
  });
});
