import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  type TestDatabase,
  testDatabaseKinds,
} from '../../../test/support/test-databases.js';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../../test/support/webhook-receiver.js';
import { createSealer } from '../../dataprotect/core/sealer.js';
import { EventBus } from '../../events/event-bus.js';
import { createNullMailer } from '../../mail/mailer.js';
import { type DatabaseHandle, openDatabase } from '../../storage/database.js';
import { createMemoryHotStore } from '../../storage/memory/memory-hot-store.js';
import { migrateToLatest } from '../../storage/migrate.js';
import { SqlAlertStore } from '../../storage/sql/sql-alert-store.js';
import { ChannelCatalog } from '../channels/channel-catalog.js';
import { ChannelDispatcher } from '../channels/dispatcher.js';
import { AlertManager } from './alert-manager.js';
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

const sealer = createSealer(randomBytes(32));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface NodeOptions {
  leaseMs: number;
  /** The timeout of its one attempt: how long its delivery run may last. */
  timeoutMs?: number;
  /** Its own connection to the database (default: the shared one). */
  store?: SqlAlertStore;
  now?: () => number;
}

describe.each(testDatabaseKinds())('the notification outbox on %s', (kind) => {
  const hooks: WebhookReceiver[] = [];
  const nodes: { outbox: NotificationOutbox; dispatcher: ChannelDispatcher }[] = [];
  const handles: DatabaseHandle[] = [];
  const drops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    // The receiver first: a run still waiting on it ends, so every dispatcher drains.
    for (const hook of hooks.splice(0)) await hook.close();
    for (const { outbox, dispatcher } of nodes.splice(0)) {
      outbox.close();
      await dispatcher.drain();
    }
    // A test may have closed a connection already (a node cut off from the database).
    for (const db of handles.splice(0)) await db.close().catch(() => {});
    for (const drop of drops.splice(0)) await drop();
  });

  /** One database (a file for SQLite, so that two connections share it) and a receiver. */
  async function setup() {
    const hook = await startWebhookReceiver();
    hooks.push(hook);
    let url: string;
    if (kind === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'rampart-outbox-'));
      drops.push(async () => rmSync(dir, { recursive: true, force: true }));
      url = `sqlite:${join(dir, 'rampart.db')}`;
    } else {
      const test: TestDatabase = await createTestDatabase('postgres');
      drops.push(() => test.drop());
      url = test.url;
    }
    const connect = () => {
      const db = openDatabase(url);
      handles.push(db);
      return db;
    };
    const db = connect();
    await migrateToLatest(db);
    const store = new SqlAlertStore(db.db, sealer);
    const catalog = new ChannelCatalog({
      config: [{ name: 'hook', type: 'webhook', url: hook.url, secret: 's'.repeat(16) }],
      store,
      mailer: createNullMailer(),
    });
    await catalog.refresh();
    const records: string[] = [];
    const errors: string[] = [];
    /** A node of the cluster: its own dispatcher and outbox, one attempt per run. */
    const node = (nodeId: string, o: NodeOptions) => {
      const own = o.store ?? store;
      const dispatcher = new ChannelDispatcher({
        attempts: 1,
        timeoutMs: o.timeoutMs ?? 2000,
        baseDelayMs: 1,
        maxDelayMs: 1,
        breakerFailures: 5,
        breakerOpenMs: 1000,
        record: async (r) => {
          records.push(`${nodeId}:${r.outcome}:${r.error ?? ''}`);
          await own.recordDelivery(r);
        },
        onError: () => errors.push(`${nodeId}:alert delivery`),
      });
      const outbox = new NotificationOutbox({
        store: own,
        catalog,
        dispatcher,
        nodeId,
        leaseMs: o.leaseMs,
        maxRuns: 2,
        onError: (_error, task) => errors.push(`${nodeId}:${task}`),
        ...(o.now ? { now: o.now } : {}),
      });
      nodes.push({ outbox, dispatcher });
      return { outbox, dispatcher };
    };
    /** The leader's loop: resumes every 50 ms until `done` or `ms` ran out. */
    const resumeUntil = async (leader: NotificationOutbox, done: () => boolean, ms: number) => {
      const end = Date.now() + ms;
      while (!done() && Date.now() < end) {
        await leader.resume();
        await sleep(50);
      }
    };
    return { hook, store, node, resumeUntil, records, errors, connect };
  }

  const saved = (store: SqlAlertStore, outbox: NotificationOutbox, fingerprint = 'fp') => {
    const rows = outbox.entries({ ...notification, fingerprint }, ['hook']);
    return store
      .saveInstanceWithOutbox({ ...newAlertInstance(fingerprint, 'r1', {}), version: 1 }, rows)
      .then(() => rows);
  };

  it('resends a row whose sender died once its claim ran out, and gives up after the run limit', async () => {
    const clock = { now: 1000 };
    const { hook, store, node, records, errors } = await setup();
    const now = () => clock.now;
    const dead = node('dead-node', { leaseMs: 5000, now });
    const rows = dead.outbox.entries(notification, ['hook', 'deleted-channel']);
    // A channel no longer in the catalog gets no row.
    expect(rows.map((r) => r.channel)).toEqual(['hook']);
    await store.saveInstanceWithOutbox({ ...newAlertInstance('fp', 'r1', {}), version: 1 }, rows);
    // The dead node claimed the row (its run began) and never renewed nor finished it.
    const id = rows[0]?.id as string;
    expect(await store.claimOutbox(id, 'dead-node', 1000, 6000, 2)).toBe(true);

    const leader = node('leader', { leaseMs: 5000, now });
    await leader.outbox.resume();
    await leader.dispatcher.drain();
    expect(hook.requests).toHaveLength(0);

    // The claim ran out: the next resume sends it, with the row's id as the delivery id.
    clock.now = 6000;
    await leader.outbox.resume();
    await leader.dispatcher.drain();
    expect(hook.requests.map((q) => q.headers['x-rampart-delivery'])).toEqual([id]);
    expect(await store.dueOutbox(99_999, 10)).toEqual([]);

    // A row interrupted as often as the run limit allows fails for good, and says why.
    const [poison] = dead.outbox.entries(notification, ['hook']);
    await store.saveInstanceWithOutbox(
      { ...newAlertInstance('fp2', 'r1', {}), version: 1 },
      poison ? [{ ...poison, attempts: 2 }] : [],
    );
    await leader.outbox.resume();
    await leader.dispatcher.drain();
    expect(hook.requests).toHaveLength(1);
    expect(records.at(-1)).toBe('leader:delivered:');
    const [failed] = await store.queryDeliveries({ outcome: 'failed', limit: 5 });
    expect(failed).toMatchObject({
      channel: 'hook',
      deliveryId: poison?.id,
      error: 'interrupted 2 times',
    });
    const [delivered] = await store.queryDeliveries({ outcome: 'delivered', limit: 5 });
    expect(delivered?.deliveryId).toBe(id);
    expect(await store.dueOutbox(99_999, 10)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("sends a dead node's row again within about one lease, not after the whole run it began", async () => {
    const { hook, store, node, resumeUntil, errors } = await setup();
    // The receiver holds the request: the node dies during a run that could last 20 s.
    hook.delayMs = 60_000;
    const dead = node('dead-node', { leaseMs: 500, timeoutMs: 20_000 });
    const rows = await saved(store, dead.outbox);
    const id = rows[0]?.id;
    dead.outbox.send(rows);
    const [inFlight] = await hook.waitFor(1);
    expect(inFlight?.headers['x-rampart-delivery']).toBe(id);
    // It dies: no more renewals, and its run never completes (the request still hangs).
    dead.outbox.close();
    const diedAt = Date.now();
    hook.delayMs = 0;

    const leader = node('leader', { leaseMs: 500 });
    // Its lease has not run out yet: nothing is sent twice before it does.
    await leader.outbox.resume();
    await leader.dispatcher.drain();
    expect(hook.requests).toHaveLength(1);

    await resumeUntil(leader.outbox, () => hook.requests.length >= 2, 10_000);
    await leader.dispatcher.drain();
    const [, resent] = hook.requests;
    expect(resent?.headers['x-rampart-delivery']).toBe(id);
    // One lease (500 ms) and a resume tick after the death, with room for a slow machine.
    expect((resent?.at ?? Number.POSITIVE_INFINITY) - diedAt).toBeLessThan(2500);
    expect(await store.dueOutbox(Date.now() + 60_000, 10)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('keeps the claim of a run longer than its lease, so a resume on another node does not send it twice', async () => {
    const { hook, store, node, resumeUntil, records, errors } = await setup();
    // The receiver answers after 2 s: the run outlasts three leases of 600 ms.
    hook.delayMs = 2000;
    const sender = node('sender', { leaseMs: 600, timeoutMs: 10_000 });
    const leader = node('leader', { leaseMs: 600 });
    const rows = await saved(store, sender.outbox);
    sender.outbox.send(rows);
    let done = false;
    void sender.dispatcher.drain().then(() => {
      done = true;
    });
    // The sender's run began (a fresh row is anyone's to claim before that).
    await hook.waitFor(1);
    // The leader resumes every 50 ms all along the run.
    await resumeUntil(leader.outbox, () => done, 15_000);
    await leader.dispatcher.drain();
    expect(done).toBe(true);
    expect(hook.requests.map((q) => q.headers['x-rampart-delivery'])).toEqual([rows[0]?.id]);
    expect(records).toEqual(['sender:delivered:']);
    expect(await store.dueOutbox(Date.now() + 60_000, 10)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('reports a renewal the database refuses, and another node sends the row once the lease ran out', async () => {
    const { hook, store, node, resumeUntil, errors, connect } = await setup();
    hook.delayMs = 60_000;
    const line = connect();
    const cutOff = node('cut-off', {
      leaseMs: 300,
      timeoutMs: 20_000,
      store: new SqlAlertStore(line.db, sealer),
    });
    const rows = await saved(store, cutOff.outbox);
    cutOff.outbox.send(rows);
    await hook.waitFor(1);
    // The node loses its database mid-run: its renewals fail, and it goes on sending.
    await line.close();
    hook.delayMs = 0;
    const leader = node('leader', { leaseMs: 300 });
    await resumeUntil(leader.outbox, () => hook.requests.length >= 2, 10_000);
    await leader.dispatcher.drain();
    expect(errors).toContain('cut-off:alert outbox renewal');
    expect(errors.filter((e) => e.startsWith('leader:'))).toEqual([]);
    expect(hook.requests.map((q) => q.headers['x-rampart-delivery'])).toEqual([
      rows[0]?.id,
      rows[0]?.id,
    ]);
    expect(await store.dueOutbox(Date.now() + 60_000, 10)).toEqual([]);
  });
  it("resumes a dead node's row on every tick even while the rules cannot be evaluated", async () => {
    const { hook, store, node, errors } = await setup();
    const dead = node('dead-node', { leaseMs: 500 });
    const rows = await saved(store, dead.outbox);
    const id = rows[0]?.id as string;
    // The dead node claimed the row, never renewed nor finished it, and its lease ran out.
    const claimedAt = Date.now();
    expect(await store.claimOutbox(id, 'dead-node', claimedAt, claimedAt, 2)).toBe(true);
    const leader = node('leader', { leaseMs: 500 });
    const tasks: string[] = [];
    const manager = new AlertManager({
      store,
      // Every evaluation fails, as when the rules or a metric source cannot be read.
      rules: async () => {
        throw new Error('rules unreadable');
      },
      channels: new ChannelCatalog({ config: [], store, mailer: createNullMailer() }),
      dispatcher: leader.dispatcher,
      outbox: leader.outbox,
      events: new EventBus({ onHandlerError: () => {} }),
      hot: createMemoryHotStore(),
      nodeId: 'leader',
      intervalMs: 60_000,
      onError: (_error, task) => tasks.push(task),
    });
    await manager.start();
    try {
      await manager.settled();
      await leader.dispatcher.drain();
      expect(tasks).toContain('alert evaluation');
      expect(hook.requests.map((q) => q.headers['x-rampart-delivery'])).toEqual([id]);
    } finally {
      await manager.close();
    }
    expect(errors).toEqual([]);
  });
});
