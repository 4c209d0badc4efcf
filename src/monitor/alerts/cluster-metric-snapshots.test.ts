import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMemoryHotStore } from '../../storage/memory/memory-hot-store.js';
import { ClusterMetricSnapshots } from './cluster-metric-snapshots.js';
import type { AlertRule } from './core/alert-rule.js';

const rule: AlertRule = {
  id: 'r1',
  name: 'errors',
  metric: { name: 'requests_total', labels: { status: '500' } },
  aggregation: 'count',
  window: 60,
  operator: 'gte',
  threshold: 1,
  for: 0,
  severity: 'high',
  labels: {},
  annotations: {},
  channels: [],
  cooldown: 0,
  repeatInterval: 0,
  groupBy: ['route'],
  enabled: true,
  origin: 'api',
  createdAt: 0,
  updatedAt: 0,
};

function node(
  name: string,
  pubsub: ReturnType<typeof createMemoryHotStore>['pubsub'],
  clock: { now: number },
) {
  const registry = new Registry();
  const requests = new Counter({
    name: 'requests_total',
    help: 'h',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const snapshots = new ClusterMetricSnapshots({
    pubsub,
    registry,
    rules: async () => [rule, { ...rule, id: 'off', enabled: false }],
    nodeId: name,
    intervalMs: 60_000,
    ttlMs: 3000,
    onError: (error) => {
      throw error;
    },
    now: () => clock.now,
  });
  return { requests, snapshots };
}

describe('metric snapshots shared by the cluster', () => {
  it("reads this node live and each other node's last snapshot until it ages out", async () => {
    const hot = createMemoryHotStore();
    const clock = { now: 1000 };
    const a = node('a', hot.pubsub, clock);
    const b = node('b', hot.pubsub, clock);
    await a.snapshots.start();
    await b.snapshots.start();
    a.requests.inc({ route: '/x', status: '500' }, 1);
    b.requests.inc({ route: '/x', status: '500' }, 4);
    b.requests.inc({ route: '/y', status: '500' }, 2);
    b.requests.inc({ route: '/x', status: '200' }, 9);
    await b.snapshots.publish();
    const read = await a.snapshots.read(rule);
    const byNode = Object.fromEntries(
      read.map((n) => [
        n.node,
        Object.fromEntries([...n.groups.values()].map((g) => [g.labels.route, g.value])),
      ]),
    );
    expect(byNode).toEqual({ a: { '/x': 1 }, b: { '/x': 4, '/y': 2 } });
    // B stops publishing (gone): after the TTL, A counts itself only.
    clock.now += 3001;
    expect((await a.snapshots.read(rule)).map((n) => n.node)).toEqual(['a']);
    await a.snapshots.close();
    await b.snapshots.close();
    await hot.close();
  });
});
