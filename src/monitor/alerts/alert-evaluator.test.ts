import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type MigratedTestDatabase,
  openMigratedTestDatabase,
} from '../../../test/support/test-databases.js';
import { createSealer } from '../../dataprotect/core/sealer.js';
import { createNullMailer } from '../../mail/mailer.js';
import { SqlAlertStore } from '../../storage/sql/sql-alert-store.js';
import { ChannelCatalog } from '../channels/channel-catalog.js';
import { ChannelDispatcher } from '../channels/dispatcher.js';
import { AlertEvaluator } from './alert-evaluator.js';
import type { NodeMetricGroups } from './cluster-metric-snapshots.js';
import type { AlertRule } from './core/alert-rule.js';
import { SignalWindow } from './core/signal-window.js';
import { NotificationOutbox } from './notification-outbox.js';

const rule: AlertRule = {
  id: 'r1',
  name: 'requests',
  metric: { name: 'requests_total', labels: {} },
  aggregation: 'count',
  window: 60,
  operator: 'gte',
  threshold: 20,
  for: 0,
  severity: 'low',
  labels: {},
  annotations: {},
  channels: [],
  cooldown: 0,
  repeatInterval: 0,
  groupBy: [],
  enabled: true,
  origin: 'api',
  createdAt: 0,
  updatedAt: 0,
};

const counter = (node: string, value: number): NodeMetricGroups => ({
  node,
  groups: new Map([['{}', { labels: {}, value }]]),
});

describe('the alert evaluator over a cluster', () => {
  const opened: MigratedTestDatabase[] = [];
  afterEach(async () => {
    for (const database of opened.splice(0)) await database.close();
  });

  async function alertStore() {
    const database = await openMigratedTestDatabase('sqlite');
    opened.push(database);
    const store = new SqlAlertStore(database.handle.db, createSealer(randomBytes(32)));
    const catalog = new ChannelCatalog({ config: [], store, mailer: createNullMailer() });
    const dispatcher = new ChannelDispatcher({
      attempts: 1,
      timeoutMs: 100,
      baseDelayMs: 1,
      maxDelayMs: 1,
      breakerFailures: 1,
      breakerOpenMs: 1,
      record: async () => {},
      onError: (error) => {
        throw error;
      },
    });
    const outbox = new NotificationOutbox({
      store,
      catalog,
      dispatcher,
      nodeId: 'n',
      leaseMs: 1000,
      onError: (error) => {
        throw error;
      },
    });
    return { store, catalog, outbox };
  }

  it("adds up each node's increase, so a node joining or leaving is no counter reset", async () => {
    const { store, catalog, outbox } = await alertStore();
    let nodes: NodeMetricGroups[] = [];
    const evaluator = new AlertEvaluator({
      store,
      outbox,
      rules: async () => [rule],
      channels: catalog,
      signals: new SignalWindow(),
      clusterMetrics: { read: async () => nodes },
    });
    const alertValue = async (now: number) => {
      await evaluator.evaluate(now);
      const [alert] = await store.listInstances();
      return alert?.value;
    };
    nodes = [counter('a', 100), counter('b', 50)];
    expect(await alertValue(1000)).toBeUndefined();
    // A: +10, B: +5: 15, below the threshold.
    nodes = [counter('a', 110), counter('b', 55)];
    expect(await alertValue(2000)).toBeUndefined();
    // B leaves (its 55 gone from the sum) and C joins with 7 since the last evaluation:
    // 15 + 2 + 7, not the whole cluster's total read as a counter reset of the sum.
    nodes = [counter('a', 112), counter('c', 7)];
    expect(await alertValue(3000)).toBe(24);
  });
  it('evaluates every other rule when one cannot be read, and says which one failed', async () => {
    const { store, catalog, outbox } = await alertStore();
    const broken: AlertRule = { ...rule, id: 'r0', metric: { name: 'broken_total', labels: {} } };
    let value = 0;
    const evaluator = new AlertEvaluator({
      store,
      outbox,
      // The failing rule comes first: before, it stopped the evaluation of every rule after it.
      rules: async () => [broken, rule],
      channels: catalog,
      signals: new SignalWindow(),
      clusterMetrics: {
        read: async (r: AlertRule) => {
          if (r.id === 'r0') throw new Error('metric source down');
          return [counter('a', value)];
        },
      },
    });
    await expect(evaluator.evaluate(1000)).rejects.toThrow('alert rules not evaluated: r0');
    value = 30;
    const failure = await evaluator.evaluate(2000).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AggregateError);
    expect((failure as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      'metric source down',
    ]);
    const alerts = await store.listInstances();
    expect(alerts.map((a) => [a.ruleId, a.value])).toEqual([['r1', 30]]);
  });
});
