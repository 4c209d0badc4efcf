import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestRampart } from '../support/test-rampart.js';
import { until } from '../support/until.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const clustered = Boolean(
  process.env.RAMPART_TEST_DATABASE_URL && process.env.RAMPART_TEST_REDIS_URL,
);

const failLogin = (node: TestRampart) =>
  node.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email: 'nobody@example.com', password: 'wrong password here' },
  });

/**
 * A rule over security-event counts sees the whole cluster: failed logins split across
 * two nodes (neither reaching the threshold alone) fire it on the evaluating node.
 */
describe.skipIf(!clustered)('security-event counts for alert rules in a cluster', () => {
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
        rules: [
          {
            name: 'failed-logins',
            metric: {
              name: 'rampart_security_events_total',
              labels: { type: 'auth.login.failed' },
            },
            aggregation: 'count',
            window: 60,
            operator: 'gte',
            threshold: 4,
            for: 0,
            severity: 'medium',
            labels: {},
            annotations: {},
            channels: ['hook'],
            cooldown: 0,
            repeatInterval: 0,
            groupBy: [],
            enabled: true,
          },
        ],
      },
    });
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
    await hook?.close();
  });

  it('fires on failures split across the nodes that neither node saw enough of alone', async () => {
    const [a, b] = cluster.nodes as [TestRampart, TestRampart];
    await until(() => a.alerts.manager.isLeader || b.alerts.manager.isLeader);
    const leader = a.alerts.manager.isLeader ? a : b;
    const follower = leader === a ? b : a;
    // The evaluator's first sample of the counter, before the failures.
    await new Promise((r) => setTimeout(r, 400));
    await failLogin(leader);
    for (let i = 0; i < 3; i++) await failLogin(follower);
    const [hit] = await hook.waitFor(1, 15_000);
    const body = JSON.parse(hit?.body ?? '{}') as { status: string; alert: { value: number } };
    expect(body.status).toBe('firing');
    expect(body.alert.value).toBeGreaterThanOrEqual(4);
    // Neither node's own registry reached the threshold.
    for (const node of [leader, follower]) {
      const text = (await node.metrics?.render()) ?? '';
      const line = text
        .split('\n')
        .find((l) => l.startsWith('rampart_security_events_total{type="auth.login.failed"'));
      expect(Number(line?.split(' ').at(-1))).toBeLessThan(4);
    }
  }, 30_000);
});
