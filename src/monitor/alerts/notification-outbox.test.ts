import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-databases.js';
import { startWebhookReceiver } from '../../../test/support/webhook-receiver.js';
import { createSealer } from '../../dataprotect/core/sealer.js';
import { createNullMailer } from '../../mail/mailer.js';
import { type DatabaseHandle, openDatabase } from '../../storage/database.js';
import { migrateToLatest } from '../../storage/migrate.js';
import { SqlAlertStore } from '../../storage/sql/sql-alert-store.js';
import { ChannelCatalog } from '../channels/channel-catalog.js';
import { ChannelDispatcher } from '../channels/dispatcher.js';
import { newAlertInstance } from './core/alert-lifecycle.js';
import type { AlertNotification } from './core/alert-rule.js';
import { NotificationOutbox } from './notification-outbox.js';

const notification: AlertNotification = {
  id: '0190f000-0000-7000-8000-000000000001',
  status: 'firing',
  fingerprint: 'fp',
  ruleId: 'r1',
  ruleName: 'rule',
  severity: 'high',
  labels: {},
  annotations: {},
  value: 1,
  threshold: 1,
  startsAt: 0,
  endsAt: null,
};

describe('the notification outbox', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(clock: { now: number }) {
    const hook = await startWebhookReceiver();
    cleanups.push(() => hook.close());
    const test: TestDatabase = await createTestDatabase('sqlite');
    const db: DatabaseHandle = openDatabase(test.url);
    cleanups.push(() => test.drop());
    cleanups.push(() => db.close());
    await migrateToLatest(db);
    const store = new SqlAlertStore(db.db, createSealer(randomBytes(32)));
    const catalog = new ChannelCatalog({
      config: [{ name: 'hook', type: 'webhook', url: hook.url, secret: 's'.repeat(16) }],
      store,
      mailer: createNullMailer(),
    });
    await catalog.refresh();
    const records: string[] = [];
    const dispatcher = new ChannelDispatcher({
      attempts: 1,
      timeoutMs: 2000,
      baseDelayMs: 1,
      maxDelayMs: 1,
      breakerFailures: 5,
      breakerOpenMs: 1000,
      record: async (r) => {
        records.push(`${r.outcome}:${r.error ?? ''}`);
        await store.recordDelivery(r);
      },
      onError: (error) => {
        throw error;
      },
    });
    const outbox = (nodeId: string) =>
      new NotificationOutbox({
        store,
        catalog,
        dispatcher,
        nodeId,
        claimMs: 5000,
        maxRuns: 2,
        onError: (error) => {
          throw error;
        },
        now: () => clock.now,
      });
    return { hook, store, dispatcher, outbox, records };
  }

  it('resends a row whose sender died once its claim ran out, and gives up after the run limit', async () => {
    const clock = { now: 1000 };
    const { hook, store, dispatcher, outbox, records } = await setup(clock);
    const dead = outbox('dead-node');
    const rows = dead.entries(notification, ['hook', 'deleted-channel']);
    // A channel no longer in the catalog gets no row.
    expect(rows.map((r) => r.channel)).toEqual(['hook']);
    await store.saveInstanceWithOutbox({ ...newAlertInstance('fp', 'r1', {}), version: 1 }, rows);
    // The dead node claimed the row (its run began) and never finished it.
    const id = rows[0]?.id as string;
    expect(await store.claimOutbox(id, 'dead-node', 1000, 6000, 2)).toBe(true);

    const leader = outbox('leader');
    await leader.resume();
    await dispatcher.drain();
    expect(hook.requests).toHaveLength(0);

    // The claim ran out: the next resume sends it, with the row's id as the delivery id.
    clock.now = 6000;
    await leader.resume();
    await dispatcher.drain();
    expect(hook.requests.map((q) => q.headers['x-rampart-delivery'])).toEqual([id]);
    expect(await store.dueOutbox(99_999, 10)).toEqual([]);

    // A row interrupted as often as the run limit allows fails for good, and says why.
    const [poison] = dead.entries(notification, ['hook']);
    await store.saveInstanceWithOutbox(
      { ...newAlertInstance('fp2', 'r1', {}), version: 1 },
      poison ? [{ ...poison, attempts: 2 }] : [],
    );
    await leader.resume();
    await dispatcher.drain();
    expect(hook.requests).toHaveLength(1);
    expect(records.at(-1)).toBe('delivered:');
    const [failed] = await store.queryDeliveries({ outcome: 'failed', limit: 5 });
    expect(failed).toMatchObject({
      channel: 'hook',
      deliveryId: poison?.id,
      error: 'interrupted 2 times',
    });
    const [delivered] = await store.queryDeliveries({ outcome: 'delivered', limit: 5 });
    expect(delivered?.deliveryId).toBe(id);
    expect(await store.dueOutbox(99_999, 10)).toEqual([]);
  });
});
