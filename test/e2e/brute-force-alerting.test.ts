import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/monitor/channels/webhook-signature.js';
import { bearer, createAdmin } from '../support/http-helpers.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js';
import { startTestRampart, type TestRampart } from '../support/test-rampart.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const attacker = '203.0.113.7';
const operator = '10.9.9.9';
const secret = 'brute-force-webhook-secret';
const intervalMs = 100;

async function poll<T>(what: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A failed login over real HTTP, from `ip` as seen through the trusted loopback proxy. */
function failLogin(url: string, ip: string, n: number) {
  return fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ email: `victim${n}@example.com`, password: 'wrong password entirely' }),
  });
}

async function blocked(url: string, ip: string): Promise<boolean> {
  const res = await fetch(`${url}/v1/auth/whoami`, { headers: { 'x-forwarded-for': ip } });
  const body = (await res.json()) as { code?: string };
  return res.status === 403 && body.code === 'ip_blocked';
}

interface WebhookBody {
  status: string;
  alert: { labels: Record<string, string> };
}

describe('a brute-force run against a live server, with alerting', () => {
  let r: TestRampart | undefined;
  let hook: WebhookReceiver | undefined;
  let smtp: SmtpSink | undefined;
  afterEach(async () => {
    await r?.close();
    await hook?.close();
    await smtp?.close();
    r = hook = smtp = undefined;
  });

  it('bans within a second, alerts once per receiver and attacker, records signal, ban and notification on the incident, and never bans the allow-listed operator', async () => {
    hook = await startWebhookReceiver();
    smtp = await startSmtpSink();
    r = await startTestRampart({
      overrides: {
        network: { allow: [`${operator}/32`], trustedProxies: ['127.0.0.1/32'] },
        lockout: { ipMaxFailures: 1000 },
        detectors: { bruteForceIp: { threshold: 5, window: 60 } },
        responses: { enabled: true },
        mail: { transport: 'smtp', smtpUrl: smtp.url },
        alerts: {
          evaluationIntervalMs: intervalMs,
          delivery: { attempts: 2, timeoutMs: 5000, backoffMs: 10 },
          channels: [
            { name: 'sec-hook', type: 'webhook', url: `${hook.url}/hook`, secret },
            { name: 'sec-mail', type: 'email', to: ['oncall@example.com'] },
          ],
          rules: [
            {
              name: 'brute-force',
              signal: { labels: { detector: 'bruteForceIp' } },
              aggregation: 'count',
              window: 60,
              operator: 'gte',
              threshold: 1,
              severity: 'high',
              // The detector comes from the matcher: with the key it names the incident.
              groupBy: ['key'],
              channels: ['sec-hook', 'sec-mail'],
              for: 0,
              labels: {},
              annotations: {},
              cooldown: 0,
              repeatInterval: 0,
              enabled: true,
            },
          ],
        },
      },
    });
    const url = await r.listen();
    const admin = await createAdmin(r);

    // The allow-listed operator fails as often as the attacker: a signal and an alert, no ban.
    for (let i = 0; i < 8; i++) expect((await failLogin(url, operator, i)).status).toBe(401);
    let crossedAt = 0;
    for (let i = 0; i < 5; i++) {
      expect((await failLogin(url, attacker, i)).status).toBe(401);
      crossedAt = Date.now();
    }
    await poll(async () => ((await blocked(url, attacker)) ? true : undefined), 1000);
    expect(Date.now() - crossedAt).toBeLessThan(1000);

    // One alert per key on each receiver; several evaluations later, still exactly one.
    await hook.waitFor(2, 10_000);
    await poll(
      async () => (smtp?.messagesFor('oncall@example.com').length === 2 ? true : undefined),
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, intervalMs * 8));
    await r.alerts.manager.settled();
    await r.alerts.dispatcher.drain();

    const bodies = hook.requests.map((q) => JSON.parse(q.body) as WebhookBody);
    expect(bodies.map((b) => `${b.status} ${b.alert.labels.key}`).sort()).toEqual(
      [`firing ${operator}`, `firing ${attacker}`].sort(),
    );
    for (const q of hook.requests) {
      const header = q.headers['x-rampart-signature'] as string | undefined;
      expect(verifyWebhookSignature({ secret, header, body: q.body })).toBe(true);
      expect(verifyWebhookSignature({ secret: `${secret}x`, header, body: q.body })).toBe(false);
    }
    const mails = smtp.messagesFor('oncall@example.com');
    expect(mails).toHaveLength(2);
    expect(mails.filter((m) => m.text.includes(`key: ${attacker}`))).toHaveLength(1);
    expect(mails.every((m) => m.subject.startsWith('[Rampart firing] brute-force'))).toBe(true);

    // The incident of the attack: the signal, the ban and the alert notification.
    await r.response.settle();
    const list = await r.app.inject({
      method: 'GET',
      url: '/v1/responses',
      headers: bearer(admin.token),
    });
    const all = list.json<{
      items: {
        action: string;
        status: string;
        subject: { id: string } | null;
        incidentId: string;
      }[];
    }>().items;
    const ban = all.find((a) => a.action === 'ban_ip' && a.subject?.id === attacker);
    expect(ban?.status).toBe('executed');
    const incidentOf = async () => {
      const res = await r?.app.inject({
        method: 'GET',
        url: `/v1/incidents/${ban?.incidentId}`,
        headers: bearer(admin.token),
      });
      return res?.json<{
        status: string;
        key: string;
        timeline: { kind: string; summary: string }[];
      }>();
    };
    const incident = await poll(async () => {
      await r?.response.settle();
      const i = await incidentOf();
      return i?.timeline.some((e) => e.kind === 'notification') ? i : undefined;
    }, 5000);
    expect(incident.status).toBe('open');
    expect(incident.key).toBe(`bruteForceIp:${attacker}`);
    const kinds = incident.timeline.map((e) => e.kind);
    expect(kinds[0]).toBe('signal');
    expect(kinds).toContain('action');
    expect(incident.timeline.filter((e) => e.kind === 'notification')).toEqual([
      expect.objectContaining({ summary: 'alert firing: brute-force' }),
    ]);

    // The operator was never banned, and it is on the record that the ban was skipped.
    expect(await blocked(url, operator)).toBe(false);
    const operatorBan = all.find((a) => a.action === 'ban_ip' && a.subject?.id === operator);
    expect(operatorBan?.status).toBe('skipped');
    expect((await r.ipAccess.list()).some((rule) => rule.cidr.startsWith(operator))).toBe(false);
  }, 30_000);
});
