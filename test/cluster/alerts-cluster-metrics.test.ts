import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createAdmin } from '../support/http-helpers.js';
import { startCluster, type TestRampart } from '../support/test-rampart.js';
import { until } from '../support/until.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const clustered = Boolean(
  process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL,
);

const route = '/.well-known/jwks.json';

async function requestsOn(node: TestRampart): Promise<number> {
  const text = (await node.metrics?.render()) ?? '';
  return text
    .split('\n')
    .filter((l) => l.startsWith('rampart_http_requests_total{') && l.includes(`route="${route}"`))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

/**
 * A rule over any metric (here HTTP requests of one route) sees the whole cluster: every
 * node publishes what the rule needs from its registry, and the evaluating node adds it
 * up. The requests go to the node that does not evaluate; before, the leader read only
 * its own registry and never fired.
 */
describe.skipIf(!clustered)('metric rules over a two-node cluster', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>;
  let hook: WebhookReceiver;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    cluster = await startCluster(2, {
      alerts: {
        evaluationIntervalMs: 200,
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

  it('fires on requests that only the node that does not evaluate answered', async () => {
    const [a, b] = cluster.nodes as [TestRampart, TestRampart];
    await until(() => a.alerts.manager.isLeader || b.alerts.manager.isLeader);
    const leader = a.alerts.manager.isLeader ? a : b;
    const follower = leader === a ? b : a;
    const { token } = await createAdmin(follower);
    const created = await follower.app.inject({
      method: 'POST',
      url: '/v1/alerts/rules',
      headers: bearer(token),
      payload: {
        name: 'jwks-traffic',
        metric: { name: 'rampart_http_requests_total', labels: { route, method: 'GET' } },
        aggregation: 'count',
        window: 60,
        operator: 'gte',
        threshold: 5,
        channels: ['hook'],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    // The follower stops competing for the lease (it still serves and publishes its
    // snapshots): the node that evaluates stays the one the traffic never reaches.
    await follower.alerts.manager.close();
    // One evaluation of the new rule before the traffic: the route's series, new on the
    // follower, is then counted from 0.
    leader.alerts.manager.trigger();
    await leader.alerts.manager.settled();
    for (let i = 0; i < 6; i++) {
      const res = await follower.app.inject({ method: 'GET', url: route });
      expect(res.statusCode).toBe(200);
    }
    const [hit] = await hook.waitFor(1, 15_000);
    const body = JSON.parse(hit?.body ?? '{}') as {
      status: string;
      alert: { value: number; rule: { name: string } };
    };
    expect(body).toMatchObject({ status: 'firing', alert: { rule: { name: 'jwks-traffic' } } });
    expect(body.alert.value).toBeGreaterThanOrEqual(5);
    expect(follower.alerts.manager.isLeader).toBe(false);
    // The evaluating node answered none of them itself.
    expect(await requestsOn(leader)).toBe(0);
    expect(await requestsOn(follower)).toBe(6);
  }, 40_000);
});
