import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createAdmin } from '../../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../../test/support/webhook-receiver.js';

const secret = 'a-webhook-secret-never-in-the-trail';

interface AuditEvent {
  action: string;
  actor: { id: string | null };
  target: { type: string; id: string } | null;
  details: { kind: string; change: string; before: unknown; after: unknown };
}

describe('alert configuration changes through the API', () => {
  let r: TestRampart;
  let hook: WebhookReceiver;
  let admin: { token: string };

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    r = await startTestRampart({ overrides: { alerts: { evaluationIntervalMs: 50 } } });
    admin = await createAdmin(r);
  });
  afterAll(async () => {
    await r?.close();
    await hook?.close();
  });

  const call = (method: 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    r.app.inject({ method, url, headers: bearer(admin.token), ...(payload ? { payload } : {}) });

  async function trail(kind: string): Promise<AuditEvent[]> {
    await r.audit?.flush();
    const res = await r.app.inject({
      method: 'GET',
      url: '/v1/admin/audit/events?action=alert.config.changed&order=asc&limit=500',
      headers: bearer(admin.token),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ events: AuditEvent[] }>().events.filter((e) => e.details.kind === kind);
  }

  it('records who created, changed and deleted a rule, with before and after', async () => {
    const created = await call('POST', '/v1/alerts/rules', {
      name: 'audited',
      signal: {},
      threshold: 5,
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    const body = { name: 'audited', signal: {}, threshold: 9 };
    expect((await call('PUT', `/v1/alerts/rules/${id}`, body)).statusCode).toBe(200);
    expect((await call('DELETE', `/v1/alerts/rules/${id}`)).statusCode).toBe(204);
    const events = await trail('rule');
    expect(events.map((e) => e.details.change)).toEqual(['created', 'updated', 'deleted']);
    expect(events[0]?.actor.id).toEqual(expect.any(String));
    expect(new Set(events.map((e) => e.actor.id)).size).toBe(1);
    expect(events.every((e) => e.target?.id === id && e.target.type === 'alert_rule')).toBe(true);
    const [c, u, d] = events as [AuditEvent, AuditEvent, AuditEvent];
    expect(c.details.before).toBeNull();
    expect(c.details.after).toMatchObject({ name: 'audited', threshold: 5 });
    expect(u.details.before).toMatchObject({ threshold: 5 });
    expect(u.details.after).toMatchObject({ threshold: 9 });
    expect(d.details.after).toBeNull();
  });

  it('records silence changes', async () => {
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const body = { matchers: [{ label: 'alertname', value: 'x' }], endsAt, comment: 'drill' };
    const created = await call('POST', '/v1/alerts/silences', body);
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    const changed = { ...body, comment: 'longer drill' };
    expect((await call('PUT', `/v1/alerts/silences/${id}`, changed)).statusCode).toBe(200);
    expect((await call('DELETE', `/v1/alerts/silences/${id}`)).statusCode).toBe(204);
    const events = await trail('silence');
    expect(events.map((e) => e.details.change)).toEqual(['created', 'updated', 'deleted']);
    expect(events[1]?.details.after).toMatchObject({ comment: 'longer drill' });
  });

  it('deleting a rule whose alert fires sends exactly one resolved notification', async () => {
    const channel = await call('POST', '/v1/alerts/channels', {
      name: 'resolve-hook',
      type: 'webhook',
      url: `${hook.url}/resolve`,
      secret,
    });
    expect(channel.statusCode, channel.body).toBe(201);
    const rule = await call('POST', '/v1/alerts/rules', {
      name: 'deleted-while-firing',
      signal: { labels: { detector: 'deleted_rule_test' } },
      aggregation: 'count',
      window: 600,
      operator: 'gte',
      threshold: 1,
      channels: ['resolve-hook'],
    });
    expect(rule.statusCode, rule.body).toBe(201);
    await r.events.publish({
      type: 'detector.signal',
      outcome: 'failure',
      actor: { kind: 'system' },
      details: { detector: 'deleted_rule_test', severity: 'high', key: 'k', evidence: {} },
    });
    await hook.waitFor(1);
    const id = rule.json<{ id: string }>().id;
    expect((await call('DELETE', `/v1/alerts/rules/${id}`)).statusCode).toBe(204);
    await hook.waitFor(2);
    // Several evaluations later: nothing more.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await r.alerts.manager.settled();
    await r.alerts.dispatcher.drain();
    const statuses = hook.requests
      .filter((q) => q.url === '/resolve')
      .map((q) => (JSON.parse(q.body) as { status: string }).status);
    expect(statuses).toEqual(['firing', 'resolved']);
    const active = await r.app.inject({
      method: 'GET',
      url: '/v1/alerts',
      headers: bearer(admin.token),
    });
    expect(active.json<{ items: unknown[] }>().items).toEqual([]);
  });

  it('disabling a rule whose alert fires sends one resolved notification with the reason and closes it in the history', async () => {
    const channel = await call('POST', '/v1/alerts/channels', {
      name: 'disable-hook',
      type: 'webhook',
      url: `${hook.url}/disable`,
      secret,
    });
    expect(channel.statusCode, channel.body).toBe(201);
    const definition = {
      name: 'disabled-while-firing',
      signal: { labels: { detector: 'disabled_rule_test' } },
      aggregation: 'count',
      window: 600,
      operator: 'gte',
      threshold: 1,
      channels: ['disable-hook'],
    };
    const rule = await call('POST', '/v1/alerts/rules', definition);
    expect(rule.statusCode, rule.body).toBe(201);
    const id = rule.json<{ id: string }>().id;
    await r.events.publish({
      type: 'detector.signal',
      outcome: 'failure',
      actor: { kind: 'system' },
      details: { detector: 'disabled_rule_test', severity: 'high', key: 'k', evidence: {} },
    });
    const sent = () => hook.requests.filter((q) => q.url === '/disable');
    const start = Date.now();
    while (sent().length < 1) {
      if (Date.now() - start > 10_000) throw new Error('no firing notification');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const disabled = await call('PUT', `/v1/alerts/rules/${id}`, { ...definition, enabled: false });
    expect(disabled.statusCode, disabled.body).toBe(200);
    // The signal is still in the window: several evaluations later, nothing more is sent.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await r.alerts.manager.settled();
    await r.alerts.dispatcher.drain();
    const bodies = sent().map(
      (q) => JSON.parse(q.body) as { status: string; alert: { reason?: string } },
    );
    expect(bodies.map((b) => b.status)).toEqual(['firing', 'resolved']);
    expect(bodies[1]?.alert.reason).toBe('rule disabled');
    const history = await r.app.inject({
      method: 'GET',
      url: `/v1/alerts/history?ruleId=${id}`,
      headers: bearer(admin.token),
    });
    expect(
      history
        .json<{ items: { state: string }[] }>()
        .items.map((e) => e.state)
        .reverse(),
    ).toEqual(['firing', 'resolved']);
    const active = await r.app.inject({
      method: 'GET',
      url: '/v1/alerts',
      headers: bearer(admin.token),
    });
    expect(active.json<{ items: unknown[] }>().items).toEqual([]);
  });
});
