import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createAdmin, expectProblem } from '../../../test/support/http-helpers.js';
import { testDatabaseKinds } from '../../../test/support/test-databases.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import { until } from '../../../test/support/until.js';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../../test/support/webhook-receiver.js';
import { verifyWebhookSignature } from '../channels/webhook-signature.js';

const secret = 'a-webhook-secret-of-some-length';

function signal(r: TestRampart, key: string, detector = 'brute_force') {
  return r.events.publish({
    type: 'detector.signal',
    outcome: 'failure',
    actor: { kind: 'anonymous', ip: key },
    details: { detector, severity: 'high', key, evidence: { count: 12 } },
  });
}

describe.each(testDatabaseKinds())('alerts on a live server (%s)', (database) => {
  let r: TestRampart;
  let hook: WebhookReceiver;
  let token: string;
  let channelId: string;

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    r = await startTestRampart({
      database,
      overrides: {
        alerts: {
          evaluationIntervalMs: 50,
          delivery: { attempts: 2, timeoutMs: 2000, backoffMs: 10 },
          channels: [{ name: 'ops-hook', type: 'webhook', url: `${hook.url}/hook`, secret }],
        },
      },
    });
    token = (await createAdmin(r)).token;
    const channels = await r.app.inject({
      method: 'GET',
      url: '/v1/alerts/channels',
      headers: bearer(token),
    });
    channelId = channels.json<{ items: { id: string }[] }>().items[0]?.id as string;
  });

  afterAll(async () => {
    await r?.close();
    await hook?.close();
  });

  afterEach(async () => {
    const rules = await r.app.inject({
      method: 'GET',
      url: '/v1/alerts/rules',
      headers: bearer(token),
    });
    for (const rule of rules.json<{ items: { id: string; origin: string }[] }>().items)
      if (rule.origin === 'api')
        await r.app.inject({
          method: 'DELETE',
          url: `/v1/alerts/rules/${rule.id}`,
          headers: bearer(token),
        });
    hook.requests.length = 0;
  });

  async function addRule(body: Record<string, unknown>) {
    const res = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/rules',
      headers: bearer(token),
      payload: {
        aggregation: 'count',
        window: 60,
        operator: 'gte',
        channels: ['ops-hook'],
        ...body,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>();
  }

  async function history(ruleId: string) {
    const res = await r.app.inject({
      method: 'GET',
      url: `/v1/alerts/history?ruleId=${ruleId}`,
      headers: bearer(token),
    });
    return res
      .json<{ items: { state: string; notified: boolean }[] }>()
      .items.map((e) => e.state)
      .reverse();
  }

  it('goes pending, fires after for, and sends one firing and exactly one resolved notification', async () => {
    const rule = await addRule({
      name: 'lifecycle',
      signal: { labels: { detector: 'brute_force', key: '203.0.113.7' } },
      window: 1.5,
      threshold: 1,
      for: 0.3,
      severity: 'high',
      groupBy: ['key'],
      annotations: { summary: 'brute force from {{labels.key}}' },
    });
    await signal(r, '203.0.113.7');
    await until(async () => (await history(rule.id)).includes('pending'));
    // Keep the condition true past `for`.
    const feeding = setInterval(() => void signal(r, '203.0.113.7'), 100);
    try {
      const [firing] = await hook.waitFor(1);
      const body = JSON.parse(firing?.body ?? '{}');
      expect(body.status).toBe('firing');
      expect(body.alert.labels).toMatchObject({
        key: '203.0.113.7',
        alertname: 'lifecycle',
        severity: 'high',
      });
      const active = await r.app.inject({
        method: 'GET',
        url: '/v1/alerts',
        headers: bearer(token),
      });
      expect(active.json<{ items: { state: string }[] }>().items).toEqual([
        expect.objectContaining({ ruleName: 'lifecycle', state: 'firing' }),
      ]);
    } finally {
      clearInterval(feeding);
    }
    const all = await hook.waitFor(2);
    expect(JSON.parse(all[1]?.body ?? '{}').status).toBe('resolved');
    // The window is long gone; no second resolved message comes.
    await new Promise((res) => setTimeout(res, 500));
    expect(hook.requests.map((h) => JSON.parse(h.body).status)).toEqual(['firing', 'resolved']);
    expect(await history(rule.id)).toEqual(['pending', 'firing', 'resolved']);
    const events = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/audit/events?action=alert.resolved',
      headers: bearer(token),
    });
    expect(events.statusCode, events.body).toBe(200);
    expect(events.json<{ events: unknown[] }>().events).toHaveLength(1);
  });

  it('signs every webhook body so the receiver can verify it with the channel secret', async () => {
    const res = await r.app.inject({
      method: 'POST',
      url: `/v1/alerts/channels/${channelId}/test`,
      headers: bearer(token),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      outcome: 'delivered',
      test: true,
      channel: 'ops-hook',
      attempts: 1,
    });
    const [hit] = await hook.waitFor(1);
    expect(
      verifyWebhookSignature({
        secret,
        header: hit?.headers['x-rampart-signature'] as string,
        body: hit?.body ?? '',
      }),
    ).toBe(true);
    expect(
      verifyWebhookSignature({
        secret,
        header: hit?.headers['x-rampart-signature'] as string,
        body: (hit?.body ?? '').replace('rampart-test', 'rampart-tost'),
      }),
    ).toBe(false);
  });

  it('sends nothing for an alert a silence covers', async () => {
    const silence = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/silences',
      headers: bearer(token),
      payload: {
        matchers: [{ label: 'key', op: '=', value: '198.51.100.9' }],
        endsAt: new Date(Date.now() + 60_000).toISOString(),
        comment: 'pen test',
      },
    });
    expect(silence.statusCode, silence.body).toBe(201);
    const rule = await addRule({
      name: 'silenced',
      signal: { labels: { key: '198.51.100.9' } },
      window: 0.5,
      threshold: 1,
      groupBy: ['key'],
    });
    await signal(r, '198.51.100.9');
    await until(async () => (await history(rule.id)).includes('resolved'));
    expect(hook.requests).toHaveLength(0);
    const entries = await r.app.inject({
      method: 'GET',
      url: `/v1/alerts/history?ruleId=${rule.id}&state=firing`,
      headers: bearer(token),
    });
    expect(entries.json<{ items: unknown[] }>().items).toEqual([
      expect.objectContaining({ silenced: true, notified: false }),
    ]);
    await r.app.inject({
      method: 'DELETE',
      url: `/v1/alerts/silences/${silence.json<{ id: string }>().id}`,
      headers: bearer(token),
    });
  });

  it('keeps a flapping alert to one firing and one resolved notification within its cooldown', async () => {
    const rule = await addRule({
      name: 'flapping',
      signal: { labels: { key: '192.0.2.55' } },
      window: 0.25,
      threshold: 1,
      cooldown: 60,
      groupBy: ['key'],
    });
    for (let flap = 0; flap < 3; flap++) {
      const before = (await history(rule.id)).filter((s) => s === 'resolved').length;
      await signal(r, '192.0.2.55');
      await until(
        async () => (await history(rule.id)).filter((s) => s === 'resolved').length > before,
      );
    }
    expect(await history(rule.id)).toEqual([
      'firing',
      'resolved',
      'firing',
      'resolved',
      'firing',
      'resolved',
    ]);
    await new Promise((res) => setTimeout(res, 200));
    expect(hook.requests.map((h) => JSON.parse(h.body).status)).toEqual(['firing', 'resolved']);
  });

  it('fires a rule over a metric of the running instance', async () => {
    await addRule({
      name: 'failed-logins',
      metric: { name: 'rampart_security_events_total', labels: { type: 'auth.login.failed' } },
      aggregation: 'count',
      window: 30,
      operator: 'gte',
      threshold: 2,
    });
    // Let the evaluator take its first sample of the counter before the failures start.
    await new Promise((res) => setTimeout(res, 400));
    await r.alerts.manager.settled();
    for (let i = 0; i < 3; i++)
      await r.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'nobody@example.com', password: 'wrong password here' },
      });
    const [hit] = await hook.waitFor(1);
    expect(JSON.parse(hit?.body ?? '{}').alert.rule.name).toBe('failed-logins');
  });

  it('refuses invalid rules, channels and silences with their codes', async () => {
    const both = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/rules',
      headers: bearer(token),
      payload: { name: 'x', threshold: 1 },
    });
    expectProblem(both, 400, 'alert_rule_invalid');
    const unknownMetric = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/rules',
      headers: bearer(token),
      payload: { name: 'x', threshold: 1, metric: { name: 'no_such_metric' } },
    });
    expectProblem(unknownMetric, 400, 'alert_rule_invalid');
    const unknownChannel = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/rules',
      headers: bearer(token),
      payload: { name: 'x', threshold: 1, signal: {}, channels: ['nowhere'] },
    });
    expect(expectProblem(unknownChannel, 400, 'alert_rule_invalid').errors).toEqual([
      { path: '/channels/0', message: 'unknown channel nowhere' },
    ]);
    const badOperator = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/rules',
      headers: bearer(token),
      payload: { name: 'x', threshold: 1, signal: {}, operator: 'between' },
    });
    expect(badOperator.statusCode).toBe(400);
    const configRule = await r.app.inject({
      method: 'DELETE',
      url: `/v1/alerts/channels/${channelId}`,
      headers: bearer(token),
    });
    expectProblem(configRule, 409, 'alert_channel_read_only');
    const weakSecret = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/channels',
      headers: bearer(token),
      payload: { name: 'weak', type: 'webhook', url: hook.url, secret: 'short' },
    });
    expect(weakSecret.statusCode).toBe(400);
    const backwards = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/silences',
      headers: bearer(token),
      payload: {
        matchers: [{ label: 'key', value: 'x' }],
        startsAt: new Date(Date.now() + 60_000).toISOString(),
        endsAt: new Date().toISOString(),
      },
    });
    expectProblem(backwards, 400, 'alert_silence_invalid');
    const cursor = await r.app.inject({
      method: 'GET',
      url: '/v1/alerts/history?cursor=bm9wZQ',
      headers: bearer(token),
    });
    expectProblem(cursor, 400, 'alert_invalid_cursor');
  });

  it('keeps channel secrets out of every answer', async () => {
    const created = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/channels',
      headers: bearer(token),
      payload: {
        name: 'slack-sec',
        type: 'slack',
        url: `${hook.url}/services/T000/B000/XXXXSECRETXXXX`,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.body).not.toContain('XXXXSECRETXXXX');
    const list = await r.app.inject({
      method: 'GET',
      url: '/v1/alerts/channels',
      headers: bearer(token),
    });
    expect(list.body).not.toContain('XXXXSECRETXXXX');
    expect(list.body).not.toContain(secret);
    const row = await r.database.db
      .selectFrom('alert_channels' as never)
      .selectAll()
      .execute();
    expect(JSON.stringify(row)).not.toContain('XXXXSECRETXXXX');
  });

  it('updates and removes API rules, channels and silences, and guards config entries and used channels', async () => {
    const channel = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/channels',
      headers: bearer(token),
      payload: { name: 'crud-am', type: 'alertmanager', url: hook.url },
    });
    expect(channel.statusCode, channel.body).toBe(201);
    const channelDoc = channel.json<{ id: string; origin: string; target: string }>();
    expect(channelDoc).toMatchObject({ origin: 'api', target: hook.url });
    const rule = await addRule({ name: 'crud', signal: {}, threshold: 5, channels: ['crud-am'] });
    const inUse = await r.app.inject({
      method: 'DELETE',
      url: `/v1/alerts/channels/${channelDoc.id}`,
      headers: bearer(token),
    });
    expect(expectProblem(inUse, 409, 'alert_channel_in_use').rules).toEqual(['crud']);
    const updated = await r.app.inject({
      method: 'PUT',
      url: `/v1/alerts/rules/${rule.id}`,
      headers: bearer(token),
      payload: { name: 'crud', signal: {}, threshold: 9, channels: [] },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json()).toMatchObject({ threshold: 9, channels: [], origin: 'api' });
    const removed = await r.app.inject({
      method: 'DELETE',
      url: `/v1/alerts/channels/${channelDoc.id}`,
      headers: bearer(token),
    });
    expect(removed.statusCode).toBe(204);
    const gone = await r.app.inject({
      method: 'GET',
      url: `/v1/alerts/channels/${channelDoc.id}`,
      headers: bearer(token),
    });
    expectProblem(gone, 404, 'alert_channel_not_found');
    const taken = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/rules',
      headers: bearer(token),
      payload: { name: 'crud', signal: {}, threshold: 1 },
    });
    expectProblem(taken, 409, 'alert_rule_name_taken');
    const silence = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/silences',
      headers: bearer(token),
      payload: {
        matchers: [{ label: 'alertname', op: '=~', value: 'crud.*' }],
        endsAt: new Date(Date.now() + 60_000).toISOString(),
      },
    });
    expect(silence.statusCode, silence.body).toBe(201);
    const sid = silence.json<{ id: string }>().id;
    const ended = await r.app.inject({
      method: 'PUT',
      url: `/v1/alerts/silences/${sid}`,
      headers: bearer(token),
      payload: {
        matchers: [{ label: 'alertname', op: '=~', value: 'crud.*' }],
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        endsAt: new Date(Date.now() - 1000).toISOString(),
      },
    });
    expect(ended.json()).toMatchObject({ active: false });
    const badRegex = await r.app.inject({
      method: 'PUT',
      url: `/v1/alerts/silences/${sid}`,
      headers: bearer(token),
      payload: {
        matchers: [{ label: 'a', op: '=~', value: '(' }],
        endsAt: new Date(Date.now() + 1000).toISOString(),
      },
    });
    expectProblem(badRegex, 400, 'alert_silence_invalid');
    await r.app.inject({
      method: 'DELETE',
      url: `/v1/alerts/silences/${sid}`,
      headers: bearer(token),
    });
    const noSilence = await r.app.inject({
      method: 'DELETE',
      url: `/v1/alerts/silences/${sid}`,
      headers: bearer(token),
    });
    expectProblem(noSilence, 404, 'alert_silence_not_found');
  });

  it('records every delivery, failed ones too, and raises alert.notification.failed', async () => {
    const dead = await startWebhookReceiver();
    const deadUrl = dead.url;
    await dead.close();
    const created = await r.app.inject({
      method: 'POST',
      url: '/v1/alerts/channels',
      headers: bearer(token),
      payload: { name: 'dead-hook', type: 'webhook', url: deadUrl, secret },
    });
    expect(created.statusCode, created.body).toBe(201);
    const tested = await r.app.inject({
      method: 'POST',
      url: `/v1/alerts/channels/${created.json<{ id: string }>().id}/test`,
      headers: bearer(token),
    });
    expect(tested.json()).toMatchObject({ outcome: 'failed', attempts: 2, channel: 'dead-hook' });
    expect(tested.json<{ error: string }>().error).toMatch(/^unreachable/);
    expect(tested.json<{ deliveryId: string }>().deliveryId).toMatch(/^[0-9a-f-]{36}$/);
    const deliveries = await r.app.inject({
      method: 'GET',
      url: '/v1/alerts/deliveries?channel=dead-hook',
      headers: bearer(token),
    });
    expect(deliveries.json<{ items: unknown[] }>().items).toEqual([
      expect.objectContaining({
        channel: 'dead-hook',
        outcome: 'failed',
        test: true,
        deliveryId: tested.json<{ deliveryId: string }>().deliveryId,
      }),
    ]);
    await until(async () => {
      const events = await r.app.inject({
        method: 'GET',
        url: '/v1/admin/audit/events?action=alert.notification.failed',
        headers: bearer(token),
      });
      return events.json<{ events: unknown[] }>().events.length === 1;
    });
  });

  it('refuses the alert API to a caller without alerts permissions', async () => {
    const res = await r.app.inject({ method: 'GET', url: '/v1/alerts/rules' });
    expect(res.statusCode).toBe(401);
  });
});
