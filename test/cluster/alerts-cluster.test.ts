import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createAdmin } from '../support/http-helpers.js';
import { startCluster, type TestRampart } from '../support/test-rampart.js';
import { until } from '../support/until.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const clustered = Boolean(
  process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL,
);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Two nodes on one PostgreSQL and Redis: exactly one evaluates alert rules, a signal seen
 * by either node alerts once, and when the leader goes away the other takes over without
 * sending the firing notification again and sends exactly one resolved notification.
 */
describe.skipIf(!clustered)('alerts in a two-node cluster', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let hook: WebhookReceiver;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    cluster = await startCluster(2, {
      alerts: {
        evaluationIntervalMs: 100,
        delivery: { attempts: 2, backoffMs: 10 },
        channels: [
          { name: 'hook', type: 'webhook', url: hook.url, secret: 'cluster-secret-0123456789' },
        ],
      },
    });
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
    await hook?.close();
  });

  it('evaluates on one node only and does not notify twice across a leader change', async () => {
    const [a, b] = cluster.nodes as [TestRampart, TestRampart];
    await until(() => a.alerts.manager.isLeader || b.alerts.manager.isLeader);
    await pause(500);
    expect([a, b].filter((n) => n.alerts.manager.isLeader)).toHaveLength(1);
    const leader = a.alerts.manager.isLeader ? a : b;
    const follower = leader === a ? b : a;

    const { token } = await createAdmin(follower);
    const created = await follower.app.inject({
      method: 'POST',
      url: '/v1/alerts/rules',
      headers: bearer(token),
      payload: {
        name: 'cluster-brute-force',
        signal: { labels: { detector: 'brute_force' } },
        aggregation: 'count',
        window: 1,
        operator: 'gte',
        threshold: 1,
        groupBy: ['key'],
        channels: ['hook'],
      },
    });
    expect(created.statusCode, created.body).toBe(201);

    // Signals arrive on the follower; the leader hears them over Redis.
    const feed = () =>
      follower.events.publish({
        type: 'detector.signal',
        outcome: 'failure',
        actor: { kind: 'anonymous' },
        details: { detector: 'brute_force', severity: 'high', key: '203.0.113.99', evidence: {} },
      });
    await feed();
    const feeding = setInterval(() => void feed(), 150);
    try {
      await hook.waitFor(1);
      await pause(600);
      expect(hook.requests).toHaveLength(1);

      await leader.close();
      await until(() => follower.alerts.manager.isLeader);
      // The new leader evaluates the still-firing alert several times.
      await pause(800);
      expect(hook.requests).toHaveLength(1);
    } finally {
      clearInterval(feeding);
    }
    await hook.waitFor(2);
    await pause(800);
    expect(hook.requests.map((r) => JSON.parse(r.body).status)).toEqual(['firing', 'resolved']);
  }, 60_000);
});
