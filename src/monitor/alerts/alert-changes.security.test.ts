/*
 * The audit trail as a leak: an auditor (or anyone who obtains an export of the trail)
 * reads the record of an alert channel change to lift the webhook's signing secret or a
 * Slack URL whose path is the credential. Channel changes are recorded by their summary
 * (the URL's origin, whether signed) and never by their settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createAdmin } from '../../../test/support/http-helpers.js';
import { startTestRampart, type TestRampart } from '../../../test/support/test-rampart.js';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../../test/support/webhook-receiver.js';

const secret = 'a-webhook-secret-never-in-the-trail';

interface AuditEvent {
  details: { kind: string; change: string; before: unknown; after: unknown };
}

describe('alert channel changes in the audit trail', () => {
  let r: TestRampart;
  let hook: WebhookReceiver;
  let admin: { token: string };

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    r = await startTestRampart();
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

  it('records channel changes by their summary, never their URL path or secret', async () => {
    const created = await call('POST', '/v1/alerts/channels', {
      name: 'audited-hook',
      type: 'webhook',
      url: `${hook.url}/secret-path-token`,
      secret,
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    const body = { name: 'audited-hook', type: 'webhook', url: `${hook.url}/other`, secret };
    expect((await call('PUT', `/v1/alerts/channels/${id}`, body)).statusCode).toBe(200);
    expect((await call('DELETE', `/v1/alerts/channels/${id}`)).statusCode).toBe(204);
    const events = await trail('channel');
    expect(events.map((e) => e.details.change)).toEqual(['created', 'updated', 'deleted']);
    expect(events[0]?.details.after).toMatchObject({ target: hook.url, signed: true });
    const slack = await call('POST', '/v1/alerts/channels', {
      name: 'audited-slack',
      type: 'slack',
      url: 'https://hooks.slack.com/services/T0000/B0000/slackPathCredential',
    });
    expect(slack.statusCode, slack.body).toBe(201);
    const text = JSON.stringify([...events, ...(await trail('channel'))]);
    expect(text).not.toContain('slackPathCredential');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('secret-path-token');
  });
});
